"""Alerts: spike and threshold rules on an account's Tweets, health incidents of its polling,
and the ledger that makes each alert happen once. Delivery is `notifications`' job."""
