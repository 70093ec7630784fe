"""Notifications: where a person's alerts go (confirmed email, Slack, Discord, signed JSON
webhooks), delivered by the worker with retries, quiet hours and a delivery log."""
