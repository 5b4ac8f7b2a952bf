"""Celery application: `celery -A config worker` (and `beat`, or `worker -B` embedded)."""

import os
from pathlib import Path

from celery import Celery, signals

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


def _connect_metrics():
    """Tasks counted and timed (core.metrics), and the worker's metrics served."""
    from core import metrics

    signals.task_prerun.connect(metrics.task_started, weak=False)
    signals.task_postrun.connect(metrics.task_finished, weak=False)
    signals.task_failure.connect(metrics.task_failed, weak=False)
    signals.task_retry.connect(metrics.task_retried, weak=False)
    signals.worker_process_shutdown.connect(metrics.process_exited, weak=False)


def _connect_beat_lock():
    """One beat at a time (core.beat)."""
    from core import beat

    signals.beat_init.connect(beat.on_beat_init, weak=False)


@signals.worker_ready.connect
def _serve_worker_metrics(sender, **kwargs):
    from django.conf import settings

    from core import metrics

    metrics.serve_worker_metrics(settings.WORKER_METRICS_PORT)


_connect_metrics()
_connect_beat_lock()
