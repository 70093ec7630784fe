"""Serving the sandbox: a WSGI handler with its own URLconf and no product middleware.

The sandbox shares the Django process machinery with the product but none of its
state: no sessions, no auth, no database; it carries its own `Sandbox` on each request.
"""

import logging
import threading

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from .config import SandboxConfig
from .core import Sandbox
from .problems import server_error

logger = logging.getLogger("sandbox")


class SandboxHandler(WSGIHandler):
    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        super().__init__()

    def load_middleware(self, is_async=False):
        # No product middleware (sessions, CSRF, auth): the sandbox is not the product.
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = self._respond

    def _respond(self, request):
        try:
            return self._get_response(request)
        except Exception:
            logger.exception("sandbox error on %s %s", request.method, request.path)
            return server_error(500)

    def get_response(self, request):
        request.urlconf = "sandbox.urls"
        request.sandbox = self.sandbox
        return super().get_response(request)


class QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        logger.info("%s %s", self.address_string(), format % args)


def make_server(config: SandboxConfig, host="127.0.0.1", port=8001) -> ThreadedWSGIServer:
    """A threaded HTTP server for the sandbox (port 0 picks a free one)."""
    server = ThreadedWSGIServer((host, port), QuietRequestHandler, allow_reuse_address=True)
    server.daemon_threads = True
    server.set_app(SandboxHandler(Sandbox(config)))
    return server


class RunningSandbox:
    """A sandbox serving in a background thread; for tests and the demo's seeding."""

    def __init__(self, config: SandboxConfig, host="127.0.0.1", port=0):
        self.server = make_server(config, host, port)
        self.sandbox: Sandbox = self.server.get_app().sandbox
        self.url = f"http://{host}:{self.server.server_address[1]}"
        # serve_forever looks for a shutdown every poll_interval (0.5 s by default): stop()
        # waited for that, half a second per sandbox stopped.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()
