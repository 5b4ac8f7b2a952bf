# syntax=docker/dockerfile:1
# Production image: one image for web (uvicorn, HTTP + WebSocket), worker and beat.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements/ /tmp/requirements/
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install -r /tmp/requirements/prod.txt

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.prod \
    DJANGO_VAR_DIR=/app/var \
    WEB_CONCURRENCY=2 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
# libmagic: the file layer sniffs each upload's type from its content.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmagic1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 1000 --user-group --create-home app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --chown=app:app . .
# Static files are collected into the image (served by WhiteNoise). The key exists for
# this step only: the settings refuse to load without one. PROMETHEUS_MULTIPROC_DIR
# exists in the image (one-off commands such as migrate find it) and starts empty.
RUN mkdir -p "$PROMETHEUS_MULTIPROC_DIR" \
 && DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput \
 && rm -rf "$PROMETHEUS_MULTIPROC_DIR" \
 && mkdir -p var/media "$PROMETHEUS_MULTIPROC_DIR" \
 && chown -R app:app var "$PROMETHEUS_MULTIPROC_DIR"
USER app
EXPOSE 8000
# Liveness: the process answers (deploy/healthcheck.py; nothing else is checked, so that
# an outage of the database or Redis never gets every container restarted). The compose
# file's web service checks readiness instead; worker and beat have checks of their own.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "deploy/healthcheck.py", "live"]
# uvicorn, WEB_CONCURRENCY processes. Client addresses come from X-Forwarded-For only when
# sent by a proxy listed in FORWARDED_ALLOW_IPS (uvicorn's setting; default 127.0.0.1).
# The application logs each request itself (DJANGO_LOG_FORMAT): no access log of uvicorn.
# On SIGTERM, requests in flight get 30 s to finish and WebSockets are closed with 1012.
# WebSocket frames are not compressed (permessage-deflate): for small chat frames it cost
# more CPU and memory than it saved (docs/decisions.md).
# Prometheus's files of this container's processes start empty (PROMETHEUS_MULTIPROC_DIR).
CMD ["sh", "-c", "rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec uvicorn config.asgi:application --host 0.0.0.0 --port 8000 --workers \"$WEB_CONCURRENCY\" --proxy-headers --no-access-log --timeout-graceful-shutdown 30 --ws-per-message-deflate false"]
