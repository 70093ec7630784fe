"""Django's Redis cache, with one redis-py client per connection pool instead of one per
operation.

Django's RedisCacheClient.get_client builds a new `redis.Redis` for every cache call, and
each one builds its table of about 170 response callbacks: 0.08 ms, half of a cache read
on this machine, paid by every page for its session and by every request a poll sends for
its rate-limit budget. A client holds no connection of its own (the pool does), so one per
pool serves every call; Django's cache handler already gives each thread its own cache.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
