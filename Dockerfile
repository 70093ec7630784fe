# syntax=docker/dockerfile:1
# One image for web, worker and beat; compose changes only the command.

# Chart.js from the npm registry at the version package-lock.json pins.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    VAR_DIR=/app/var \
    PORT=8000
WORKDIR /app
RUN useradd --create-home --uid 1000 metricsdash
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY --from=assets /app/node_modules/chart.js/dist /app/node_modules/chart.js/dist
COPY . .
# Static files are collected at build time with throwaway values (nothing secret is baked in).
RUN DEBUG=false SECRET_KEY=collectstatic-only \
    TOKEN_ENCRYPTION_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXJlYWwta2V5 \
    python manage.py collectstatic --noinput -v 0 \
    && mkdir -p /app/var && chown metricsdash /app/var
USER metricsdash
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "metricsdash.wsgi", "--workers", "3", "--access-logfile", "-", "--error-logfile", "-"]
