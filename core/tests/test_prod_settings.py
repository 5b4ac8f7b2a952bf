"""Production settings, loaded in a fresh interpreter as a deployment would."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = secrets.token_urlsafe(50)


def _run(*args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "DATABASE_URL"
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.prod", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"DJANGO_SECRET_KEY": "django-insecure-development-key-do-not-use-in-production"},
        {"DJANGO_SECRET_KEY": "too-short"},
        {"DJANGO_SECRET_KEY": "a" * 60},
    ],
)
def test_refuses_to_start_without_a_real_secret_key(env):
    result = _run("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_refuses_to_start_with_debug_on():
    result = _run("check", DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_DEBUG="true")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be off" in result.stderr


def test_deploy_check_is_clean_with_the_documented_variables():
    result = _run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_ALLOWED_HOSTS="erp.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_logs_are_json_lines_in_production_unless_told_otherwise():
    program = (
        "import logging; from django.conf import settings; "
        "logging.getLogger('erp.check').warning('hello', extra={'status': 418})"
    )
    result = _run("shell", "-c", program, DJANGO_SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"], line["status"]) == (
        "WARNING",
        "erp.check",
        "hello",
        418,
    )
    plain = _run("shell", "-c", program, DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_LOG_FORMAT="plain")
    assert plain.stderr.strip().splitlines()[-1].endswith("WARNING erp.check: hello")
    wrong = _run("check", DJANGO_SECRET_KEY=GOOD_KEY, DJANGO_LOG_FORMAT="xml")
    assert wrong.returncode != 0
    assert "DJANGO_LOG_FORMAT must be plain or json" in wrong.stderr


def test_celery_logs_through_the_same_json_handler_in_production():
    program = (
        "from config.celery import app; from django.conf import settings; "
        "print(app.conf.worker_hijack_root_logger, "
        "settings.LOGGING['handlers']['console']['formatter'])"
    )
    result = _run("shell", "-c", program, DJANGO_SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["False", "json"]
