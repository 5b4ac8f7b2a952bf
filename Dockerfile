# Production image: one image for web (uvicorn, HTTP + WebSocket), worker and beat.
# syntax=docker/dockerfile:1

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
    WEB_CONCURRENCY=2
# libmagic: the file layer sniffs each upload's type from its content.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmagic1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 1000 --user-group --create-home app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --chown=app:app . .
# Static files are collected into the image (served by WhiteNoise). The key exists for
# this step only: the settings refuse to load without one.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput \
 && mkdir -p var/media \
 && chown -R app:app var
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health/', timeout=4).status == 200 else 1)"
# Client addresses come from X-Forwarded-For only when sent by a proxy listed in
# FORWARDED_ALLOW_IPS (uvicorn's setting; default 127.0.0.1).
CMD ["sh", "-c", "exec uvicorn config.asgi:application --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY} --proxy-headers"]
