"""The Redis cache keeps one redis-py client per connection pool (metricsdash/cache.py)."""

from django.core.cache import cache


def test_one_client_serves_every_call_and_the_values_round_trip():
    cache.set("cache-test", {"a": [1, 2]}, 30)
    first = cache._cache.get_client("cache-test")
    assert cache.get("cache-test") == {"a": [1, 2]}
    cache.delete("cache-test-n")
    assert cache.add("cache-test-n", 1, 30) and cache.incr("cache-test-n") == 2
    assert cache.get_many(["cache-test", "absent"]) == {"cache-test": {"a": [1, 2]}}
    assert cache._cache.get_client("other", write=True) is first
    cache.delete_many(["cache-test", "cache-test-n"])
    assert cache.get("cache-test") is None
