"""python manage.py runsandbox [ADDR:PORT]: the X API v2 sandbox on its own."""

from django.core.management.base import BaseCommand, CommandError

from sandbox.config import SandboxConfig
from sandbox.server import make_server


class Command(BaseCommand):
    help = "Run the X API v2 sandbox (default 127.0.0.1:8001)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8001")
        parser.add_argument(
            "--generated-users",
            type=int,
            default=0,
            help="add N generated accounts (@sandbox_gen0001...) to the five fixed users",
        )
        parser.add_argument(
            "--live-tweets", type=int, default=300, help="Tweets per 30 days of each one"
        )

    def handle(self, addrport, generated_users, live_tweets, **options):
        host, _, port = addrport.rpartition(":")
        if not port.isdigit():
            raise CommandError(f"Expected ADDR:PORT or PORT, got {addrport!r}.")
        config = SandboxConfig.from_settings(
            generated_users=generated_users, live_tweets=live_tweets
        )
        server = make_server(config, host or "127.0.0.1", int(port))
        sandbox = server.get_app().sandbox
        self.stdout.write(
            f"X API sandbox on http://{host or '127.0.0.1'}:{port} (seed {sandbox.config.seed},"
            f" world epoch {sandbox.epoch:%Y-%m-%d %H:%M}Z, state {sandbox.config.state_path})"
        )
        users = ", ".join("@" + u.username for u in sandbox.world.users[:5])
        users += f" and {generated_users} generated" if generated_users else ""
        self.stdout.write(f"Simulated users: {users}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
