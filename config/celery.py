"""Celery application: `celery -A config worker` (and `beat`, or `worker -B` embedded)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_embedded_folders(sender, **kwargs):
    """The embedded default's filesystem broker and result store need their folders
    before the first message, in the worker and in every process that sends tasks."""
    conf = sender.conf
    folders = list((conf.broker_transport_options or {}).values())
    if str(conf.result_backend or "").startswith("file://"):
        folders.append(conf.result_backend.removeprefix("file://"))
    for folder in folders:
        Path(folder).mkdir(parents=True, exist_ok=True)
