"""The sandbox's configuration: its registered apps, the world's seed, its limits."""

from dataclasses import dataclass, field

# Requests per 15-minute window. Per user token: the Pro-tier figures in FACTS.md.
# Per app (bearer): FACTS.md gives 450 for Tweet lookup; the timeline's app figure is
# not given there, so the sandbox adopts X's published Pro figure of 1,500. User lookup by
# id is not in FACTS.md either: X's published 900 per user and 300 per app.
DEFAULT_USER_LIMITS = {
    "tweets_lookup": 900,
    "tweet_lookup": 900,
    "users_tweets": 900,
    "users_me": 75,
    "users_id": 900,
}
DEFAULT_APP_LIMITS = {
    "tweets_lookup": 450,
    "tweet_lookup": 450,
    "users_tweets": 1500,
    "users_id": 300,
    "usage_tweets": 50,
}
# OAuth endpoints are limited per app; generous, since X does not publish them.
DEFAULT_OAUTH_LIMIT = 300


@dataclass
class SandboxConfig:
    """Everything a sandbox instance needs; `from_settings` reads the SANDBOX_* settings."""

    consumer_key: str
    consumer_secret: str
    client_id: str
    client_secret: str  # empty: the OAuth 2.0 app is a public client
    callbacks: list[str]
    seed: int
    state_path: str
    epoch: str | None = None  # ISO instant; default: fixed at the first start
    generated_users: int = 0  # accounts added to the five fixed ones (World)
    live_tweets: int = 300  # what each generated account posts per 30 days
    rate_window: int = 900
    user_limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_USER_LIMITS))
    app_limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_APP_LIMITS))
    oauth_limit: int = DEFAULT_OAUTH_LIMIT
    access_token_lifetime: int = 7200
    code_lifetime: int = 30
    timestamp_lifetime: int = 600
    # GET /2/usage/tweets: the project and its one app, the monthly Post cap (FACTS.md:
    # 2 million on pay-per-use) and the day of the month it resets on.
    project_id: str = "1870562"
    client_app_id: str = "28473916"
    project_cap: int = 2_000_000
    cap_reset_day: int = 1

    @classmethod
    def from_settings(cls, **overrides) -> "SandboxConfig":
        from django.conf import settings

        values = {
            "consumer_key": settings.SANDBOX_CONSUMER_KEY,
            "consumer_secret": settings.SANDBOX_CONSUMER_SECRET,
            "client_id": settings.SANDBOX_CLIENT_ID,
            "client_secret": settings.SANDBOX_CLIENT_SECRET,
            "callbacks": list(settings.SANDBOX_CALLBACKS),
            "seed": settings.SANDBOX_SEED,
            "state_path": settings.SANDBOX_STATE_PATH,
        }
        values.update(overrides)
        return cls(**values)
