"""The router of the apps' APIs."""

from rest_framework.routers import SimpleRouter

from api.v1.features.data_jobs.views import with_data_jobs


class Router(SimpleRouter):
    """DRF's SimpleRouter, where the API of a model (a ScopedModelViewSet) also gets
    `export/` and `import/` (api.v1.features.data_jobs): every model's list can be
    exported and imported with nothing written in its app."""

    def register(self, prefix, viewset, basename=None):
        super().register(prefix, with_data_jobs(viewset), basename)
