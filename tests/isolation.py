"""Each xdist worker gets Redis databases of its own (loaded with `-p tests.isolation`,
before Django reads its settings).

`make test` runs the suite in two processes (pytest-xdist). pytest-django already gives
each process a database of its own (test_<name>_gw0, _gw1); this does the same for Redis:
the broker and the cache (which follows the broker) move from database N to N + the
worker's number, so one process's Celery workers never take the other's tasks, and
rate-limit budgets keyed by account id never meet another process's accounts.
"""

import os

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw"):
    _offset = int(_worker.removeprefix("gw"))
    for _name in ("CELERY_BROKER_URL", "REDIS_URL"):
        _url = os.environ.get(_name, "")
        _base, _, _db = _url.rpartition("/")
        if _url.startswith("redis://") and _db.isdigit():
            os.environ[_name] = f"{_base}/{int(_db) + _offset}"
