"""The app (who we are at X, where X is) for calls to the test session's sandbox."""

import pytest

from xapi.oauth import XApp


def app_for(sandbox, **changes) -> XApp:
    """The sandbox's registered app; plain http to it is allowed because it is loopback."""
    config = sandbox.config
    values = {
        "api_url": sandbox.url,
        "web_url": sandbox.url,
        "consumer_key": config.consumer_key,
        "consumer_secret": config.consumer_secret,
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "timeout": (5, 30),
        "sandbox": False,
    }
    return XApp(**(values | changes))


@pytest.fixture
def sandbox_app(sandbox) -> XApp:
    return app_for(sandbox)
