#!/usr/bin/env bash
# Wait for the database, migrate when asked (MIGRATE=1: the web service), then run the command.
set -euo pipefail

python - <<'PY'
import os, sys, time
import django
from django.db import connection
from django.db.utils import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metricsdash.settings")
django.setup()
deadline = time.monotonic() + float(os.environ.get("DB_WAIT_SECONDS", "60"))
while True:
    try:
        connection.ensure_connection()
        break
    except OperationalError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"entrypoint: the database is still unreachable: {exc}")
        print("entrypoint: waiting for the database...", flush=True)
        time.sleep(1)
PY

if [ "${MIGRATE:-0}" = "1" ]; then
    python manage.py migrate --noinput
fi
exec "$@"
