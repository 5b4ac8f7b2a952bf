from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo accounts and data of every app (`manage.py seed_demo`): it sits on top
    of the apps it seeds, so that none of them depends on it."""

    name = "api.demo"
    label = "demo"
    verbose_name = "Demo data"
