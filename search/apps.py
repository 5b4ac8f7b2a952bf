from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Not a platform app (core.apps.PlatformAppConfig): its index entries are no
    business records, none of the cross-cutting features applies to them."""

    name = "search"
    verbose_name = "Search"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from core import events, health
        from core.searching import declarations, stale

        from .backends import get_backend
        from .services import on_model_events, on_stale

        # Every app's search.py declares its searchable models (core.searching).
        autodiscover_modules("search")
        events.subscribe(on_model_events, models=[each.label for each in declarations()], many=True)
        stale.connect(on_stale)
        health.register("search", lambda: get_backend().ping())
