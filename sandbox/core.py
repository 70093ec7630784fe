"""One running sandbox: its configuration, its store, its simulated world and its clock."""

from dataclasses import dataclass
from datetime import UTC, datetime

from .config import SandboxConfig
from .oauth1 import OAuth1Server
from .store import Store
from .world import Takeoff, World


@dataclass(frozen=True)
class Caller:
    """Who is calling: a user token (OAuth 1.0a or 2.0) or the app's bearer token."""

    kind: str  # "user" or "app"
    user_id: str | None
    scopes: frozenset[str] | None  # OAuth 2.0 scopes; None for OAuth 1.0a (full access)

    @property
    def bucket(self) -> str:
        """The rate-limit bucket owner: one per user token, one per app (FACTS.md)."""
        return f"user:{self.user_id}" if self.kind == "user" else "app"


class Sandbox:
    def __init__(self, config: SandboxConfig):
        self.config = config
        self.store = Store(config.state_path)
        if config.epoch:
            epoch = datetime.fromisoformat(config.epoch.replace("Z", "+00:00"))
            self.store.set_meta("epoch", epoch.isoformat())
        else:
            now = datetime.now(UTC).replace(second=0, microsecond=0)
            epoch = self.store.epoch(default=now)
        self.epoch = epoch
        self.world = World(config.seed, epoch, config.generated_users, config.live_tweets)
        self.oauth1 = OAuth1Server(self)

    def now(self) -> datetime:
        return self.store.now_datetime()

    def now_epoch(self) -> float:
        return self.store.now()

    def takeoffs(self) -> dict[str, Takeoff]:
        """The Tweets made to take off, by id (/__sandbox__/takeoff)."""
        return {
            tweet_id: Takeoff(factor, datetime.fromtimestamp(at, UTC))
            for tweet_id, (factor, at) in self.store.takeoffs().items()
        }
