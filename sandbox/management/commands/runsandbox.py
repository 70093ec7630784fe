"""python manage.py runsandbox [ADDR:PORT]: the X API v2 sandbox on its own."""

from django.core.management.base import BaseCommand, CommandError

from sandbox.config import SandboxConfig
from sandbox.server import make_server


class Command(BaseCommand):
    help = "Run the X API v2 sandbox (default 127.0.0.1:8001)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8001")

    def handle(self, addrport, **options):
        host, _, port = addrport.rpartition(":")
        if not port.isdigit():
            raise CommandError(f"Expected ADDR:PORT or PORT, got {addrport!r}.")
        server = make_server(SandboxConfig.from_settings(), host or "127.0.0.1", int(port))
        sandbox = server.get_app().sandbox
        self.stdout.write(
            f"X API sandbox on http://{host or '127.0.0.1'}:{port} (seed {sandbox.config.seed},"
            f" world epoch {sandbox.epoch:%Y-%m-%d %H:%M}Z, state {sandbox.config.state_path})"
        )
        users = ", ".join("@" + u.username for u in sandbox.world.users)
        self.stdout.write(f"Simulated users: {users}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
