"""Sessions read from the cache and written through to the database (Django's cached_db),
so a page reads no session row, with the database as the truth when the cache (Redis)
cannot be reached: pages still open, as the health page must while Redis is down.

Django's cached_db already falls back when reading and saving; this adds the two places
it does not, filling the cache after a database read and asking whether a new key is
taken. Deleting (signing out) still fails loudly: a session left in a cache that comes
back would sign the person in again.
"""

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("Sessions: the cache cannot be read (%s)", self._cache, exc_info=True)
            return self._load_from_db()
        return self._load_from_db(fill_cache=True) if data is None else data

    def _load_from_db(self, fill_cache: bool = False) -> dict:
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        if fill_cache:
            try:
                self._cache.set(
                    self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date)
                )
            except Exception:
                logger.warning("Sessions: the cache cannot be written (%s)", self._cache)
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("Sessions: the cache cannot be read (%s)", self._cache)
        return super(cached_db.SessionStore, self).exists(session_key)
