from celery import Celery

from config.celery import _create_embedded_folders


def test_embedded_broker_and_result_folders_are_created(tmp_path):
    app = Celery("probe")
    app.conf.update(
        broker_url="filesystem://",
        broker_transport_options={
            "data_folder_in": str(tmp_path / "broker"),
            "data_folder_out": str(tmp_path / "broker"),
            "control_folder": str(tmp_path / "control"),
        },
        result_backend=f"file://{tmp_path / 'results'}",
    )

    _create_embedded_folders(app)

    assert {p.name for p in tmp_path.iterdir()} == {"broker", "control", "results"}


def test_redis_configuration_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = Celery("probe")
    app.conf.update(broker_url="redis://localhost:6379/0", result_backend="redis://localhost")

    _create_embedded_folders(app)

    assert list(tmp_path.iterdir()) == []
