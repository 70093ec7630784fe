"""The sandbox's own state: tokens, nonces, grants, rate-limit windows, request counts,
faults, billed reads and the clock.

It lives in a SQLite file of its own (never the product's database), so tokens the
sandbox issued stay valid when it restarts. Every method opens a short transaction;
the store is safe to share between the threads of the server.
"""

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS takeoffs (
    tweet_id TEXT PRIMARY KEY, factor REAL NOT NULL, at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS request_tokens (
    token TEXT PRIMARY KEY, secret TEXT NOT NULL, client_key TEXT NOT NULL,
    callback TEXT NOT NULL, created_at REAL NOT NULL,
    verifier TEXT, user_id TEXT, used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS oauth1_tokens (
    token TEXT PRIMARY KEY, secret TEXT NOT NULL, client_key TEXT NOT NULL,
    user_id TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS nonces (
    client_key TEXT NOT NULL, nonce TEXT NOT NULL, timestamp INTEGER NOT NULL,
    token TEXT NOT NULL, PRIMARY KEY (client_key, nonce, timestamp, token)
);
CREATE TABLE IF NOT EXISTS oauth2_codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
    challenge TEXT NOT NULL, challenge_method TEXT NOT NULL, scope TEXT NOT NULL,
    user_id TEXT NOT NULL, expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS oauth2_tokens (
    access_token TEXT PRIMARY KEY, refresh_token TEXT UNIQUE, client_id TEXT NOT NULL,
    user_id TEXT, scope TEXT NOT NULL, expires_at REAL, revoked INTEGER NOT NULL DEFAULT 0,
    refresh_used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS grants (
    user_id TEXT NOT NULL, client TEXT NOT NULL, PRIMARY KEY (user_id, client)
);
CREATE TABLE IF NOT EXISTS rate_windows (
    bucket TEXT PRIMARY KEY, window_start REAL NOT NULL, used INTEGER NOT NULL,
    forced_empty_until REAL
);
CREATE TABLE IF NOT EXISTS request_counts (
    endpoint TEXT NOT NULL, caller TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (endpoint, caller)
);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT, rule TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS billed_reads (
    day TEXT NOT NULL, kind TEXT NOT NULL, resource_id TEXT NOT NULL,
    PRIMARY KEY (day, kind, resource_id)
);
"""


class Store:
    """A SQLite-backed state store, one connection per thread."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connection().executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            # WAL's own advice: commits reach the log without an fsync each (a crash of the
            # process loses nothing; a power cut may lose the last ones). FULL made every
            # request's commits wait on the disk: 40 % of the sandbox's time in the tests.
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def transaction(self):
        """Run a block in one IMMEDIATE transaction (serialised writers, no lost updates)."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")

    # --- meta: epoch and clock ------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self._connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def epoch(self, default: datetime) -> datetime:
        """The world's creation instant, fixed the first time the sandbox starts."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta VALUES ('epoch', ?)", (default.isoformat(),))
                return default
        return datetime.fromisoformat(row["value"])

    def now(self) -> float:
        """The sandbox clock as epoch seconds: frozen, offset from real time, or real."""
        frozen = self.get_meta("clock_frozen_at")
        if frozen is not None:
            return float(frozen)
        offset = self.get_meta("clock_offset")
        return time.time() + (float(offset) if offset else 0.0)

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def set_clock(self, *, frozen_at: float | None = None, offset: float | None = None) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM meta WHERE key IN ('clock_frozen_at', 'clock_offset')")
            if frozen_at is not None:
                db.execute("INSERT INTO meta VALUES ('clock_frozen_at', ?)", (repr(frozen_at),))
            if offset is not None:
                db.execute("INSERT INTO meta VALUES ('clock_offset', ?)", (repr(offset),))

    def clock_state(self) -> dict:
        frozen = self.get_meta("clock_frozen_at")
        offset = self.get_meta("clock_offset")
        return {
            "now": self.now_datetime().isoformat().replace("+00:00", "Z"),
            "frozen": frozen is not None,
            "offset_seconds": float(offset) if offset else 0.0,
        }

    # --- OAuth 1.0a -----------------------------------------------------------------

    def save_request_token(self, token, secret, client_key, callback, now) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO request_tokens (token, secret, client_key, callback, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (token, secret, client_key, callback, now),
            )

    def request_token(self, token: str) -> sqlite3.Row | None:
        return (
            self._connection()
            .execute("SELECT * FROM request_tokens WHERE token = ?", (token,))
            .fetchone()
        )

    def authorize_request_token(self, token, user_id, verifier) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE request_tokens SET user_id = ?, verifier = ? WHERE token = ?",
                (user_id, verifier, token),
            )

    def spend_request_token(self, token: str) -> bool:
        """Mark a request token used; False if it already was (single use)."""
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE request_tokens SET used = 1 WHERE token = ? AND used = 0", (token,)
            )
            return cur.rowcount == 1

    def save_oauth1_token(self, token, secret, client_key, user_id) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO oauth1_tokens (token, secret, client_key, user_id)"
                " VALUES (?, ?, ?, ?)",
                (token, secret, client_key, user_id),
            )

    def oauth1_token(self, token: str) -> sqlite3.Row | None:
        return (
            self._connection()
            .execute("SELECT * FROM oauth1_tokens WHERE token = ? AND revoked = 0", (token,))
            .fetchone()
        )

    def use_nonce(self, client_key, nonce, timestamp, token) -> bool:
        """Record a nonce; False if this (key, nonce, timestamp, token) was seen before."""
        with self.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO nonces VALUES (?, ?, ?, ?)",
                (client_key, nonce, int(timestamp), token or ""),
            )
            return cur.rowcount == 1

    def nonce_seen(self, client_key, nonce, timestamp, token) -> bool:
        row = (
            self._connection()
            .execute(
                "SELECT 1 FROM nonces WHERE client_key = ? AND nonce = ? AND timestamp = ?"
                " AND token = ?",
                (client_key, nonce, int(timestamp), token or ""),
            )
            .fetchone()
        )
        return row is not None

    # --- grants (what /oauth/authenticate may skip) ---------------------------------

    def add_grant(self, user_id: str, client: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO grants VALUES (?, ?)", (user_id, client))

    def has_grant(self, user_id: str, client: str) -> bool:
        row = (
            self._connection()
            .execute("SELECT 1 FROM grants WHERE user_id = ? AND client = ?", (user_id, client))
            .fetchone()
        )
        return row is not None

    # --- OAuth 2.0 ------------------------------------------------------------------

    def save_code(self, code, client_id, redirect_uri, challenge, method, scope, user_id, exp):
        with self.transaction() as db:
            db.execute(
                "INSERT INTO oauth2_codes (code, client_id, redirect_uri, challenge,"
                " challenge_method, scope, user_id, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (code, client_id, redirect_uri, challenge, method, scope, user_id, exp),
            )

    def spend_code(self, code: str) -> sqlite3.Row | None:
        """Return the code's row and mark it used; None if unknown or already used."""
        with self.transaction() as db:
            row = db.execute("SELECT * FROM oauth2_codes WHERE code = ?", (code,)).fetchone()
            if row is None or row["used"]:
                return None
            db.execute("UPDATE oauth2_codes SET used = 1 WHERE code = ?", (code,))
            return row

    def save_oauth2_token(self, access, refresh, client_id, user_id, scope, expires_at) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO oauth2_tokens (access_token, refresh_token, client_id, user_id,"
                " scope, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (access, refresh, client_id, user_id, scope, expires_at),
            )

    def oauth2_token(self, access: str) -> sqlite3.Row | None:
        return (
            self._connection()
            .execute(
                "SELECT * FROM oauth2_tokens WHERE access_token = ? AND revoked = 0", (access,)
            )
            .fetchone()
        )

    def spend_refresh_token(self, refresh: str, client_id: str) -> sqlite3.Row | None:
        """Retire a refresh token (rotation): its row, or None if unknown/used/revoked."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT * FROM oauth2_tokens WHERE refresh_token = ? AND client_id = ?"
                " AND revoked = 0 AND refresh_used = 0",
                (refresh, client_id),
            ).fetchone()
            if row is None:
                return None
            # The old access token dies with its refresh token.
            db.execute(
                "UPDATE oauth2_tokens SET refresh_used = 1, revoked = 1 WHERE refresh_token = ?",
                (refresh,),
            )
            return row

    def revoke_oauth2_token(self, token: str, client_id: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE oauth2_tokens SET revoked = 1 WHERE client_id = ?"
                " AND (access_token = ? OR refresh_token = ?)",
                (client_id, token, token),
            )

    def revoke_user_tokens(self, user_id: str | None = None, token: str | None = None) -> int:
        """Revoke every token of a user (or one token), as the user would from X's settings."""
        with self.transaction() as db:
            n = 0
            for table, column in (("oauth1_tokens", "token"), ("oauth2_tokens", "access_token")):
                if token is not None:
                    cur = db.execute(f"UPDATE {table} SET revoked = 1 WHERE {column} = ?", (token,))
                    n += cur.rowcount
                    if table == "oauth2_tokens":
                        cur = db.execute(
                            "UPDATE oauth2_tokens SET revoked = 1 WHERE refresh_token = ?", (token,)
                        )
                        n += cur.rowcount
                else:
                    cur = db.execute(
                        f"UPDATE {table} SET revoked = 1 WHERE user_id = ?", (user_id,)
                    )
                    n += cur.rowcount
            if user_id is not None:
                db.execute("DELETE FROM grants WHERE user_id = ?", (user_id,))
            return n

    # --- rate limits ----------------------------------------------------------------

    def take_rate_limit(
        self, bucket: str, limit: int, window: int, now: float
    ) -> tuple[int, int, bool]:
        """Count one request against a 15-minute bucket.

        Returns (remaining, reset_epoch, allowed). The window starts at the bucket's first
        request and resets `window` seconds later, as X's reset header describes.
        """
        with self.transaction() as db:
            row = db.execute("SELECT * FROM rate_windows WHERE bucket = ?", (bucket,)).fetchone()
            if row is None or now >= row["window_start"] + window:
                start, used, forced = now, 0, None
            else:
                start, used, forced = row["window_start"], row["used"], row["forced_empty_until"]
            reset = int(start + window)
            if forced is not None and now < forced:
                reset = int(forced)
                allowed = False
            else:
                allowed = used < limit
            if allowed:
                used += 1
            db.execute(
                "INSERT OR REPLACE INTO rate_windows VALUES (?, ?, ?, ?)",
                (bucket, start, used, forced),
            )
            remaining = 0 if forced is not None and now < forced else max(limit - used, 0)
            return remaining, reset, allowed

    def exhaust_rate_limit(self, bucket_prefix: str, until: float) -> None:
        """Force buckets to look empty until `until` (the early-429 fault)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE rate_windows SET forced_empty_until = ? WHERE bucket LIKE ?",
                (until, bucket_prefix + "%"),
            )

    # --- request counts (what tests assert "requests per poll" with) ----------------

    def count_request(self, endpoint: str, caller: str, amount: int = 1) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO request_counts VALUES (?, ?, ?)"
                " ON CONFLICT (endpoint, caller) DO UPDATE SET count = count + excluded.count",
                (endpoint, caller, amount),
            )

    def request_counts(self) -> list[dict]:
        rows = self._connection().execute(
            "SELECT endpoint, caller, count FROM request_counts ORDER BY endpoint, caller"
        )
        return [dict(row) for row in rows]

    # --- billing: each resource once per UTC day (FACTS.md, Billing) ----------------

    def bill(self, day: str, kind: str, resource_ids) -> None:
        """Record the resources one successful answer returned; a resource already billed
        on that UTC day (for this app: the sandbox has one) costs nothing again."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO billed_reads VALUES (?, ?, ?)",
                [(day, kind, resource_id) for resource_id in resource_ids],
            )

    def billed_per_day(self, kind: str, first_day: str, last_day: str) -> dict[str, int]:
        """{day: resources billed} for the days in [first_day, last_day] that have any."""
        rows = self._connection().execute(
            "SELECT day, count(*) AS n FROM billed_reads WHERE kind = ? AND day BETWEEN ? AND ?"
            " GROUP BY day",
            (kind, first_day, last_day),
        )
        return {row["day"]: row["n"] for row in rows}

    # --- faults ---------------------------------------------------------------------

    def add_fault(self, rule: dict) -> int:
        with self.transaction() as db:
            cur = db.execute("INSERT INTO faults (rule) VALUES (?)", (json.dumps(rule),))
            return cur.lastrowid

    def faults(self) -> list[dict]:
        rows = self._connection().execute("SELECT id, rule FROM faults ORDER BY id")
        return [{"id": row["id"], **json.loads(row["rule"])} for row in rows]

    def take_fault(self, endpoint: str, caller: str) -> dict | None:
        """Return the first fault rule matching this request, consuming one use of it."""
        with self.transaction() as db:
            for row in db.execute("SELECT id, rule FROM faults ORDER BY id").fetchall():
                rule = json.loads(row["rule"])
                if rule.get("endpoint") not in (None, endpoint):
                    continue
                if rule.get("caller") not in (None, caller):
                    continue
                times = rule.get("times")
                if times is not None:
                    if times <= 1:
                        db.execute("DELETE FROM faults WHERE id = ?", (row["id"],))
                    else:
                        rule["times"] = times - 1
                        db.execute(
                            "UPDATE faults SET rule = ? WHERE id = ?", (json.dumps(rule), row["id"])
                        )
                return rule
        return None

    # --- takeoffs: Tweets the world makes grow faster (control endpoint) -------------

    def set_takeoff(self, tweet_id: str, factor: float, at: float) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO takeoffs VALUES (?, ?, ?) ON CONFLICT (tweet_id)"
                " DO UPDATE SET factor = excluded.factor, at = excluded.at",
                (tweet_id, factor, at),
            )

    def takeoffs(self) -> dict[str, tuple[float, float]]:
        """{Tweet id: (factor, unix time it takes off)}."""
        rows = self._connection().execute("SELECT tweet_id, factor, at FROM takeoffs")
        return {row["tweet_id"]: (row["factor"], row["at"]) for row in rows}

    def clear(self, *tables: str) -> None:
        with self.transaction() as db:
            for table in tables:
                db.execute(f"DELETE FROM {table}")
