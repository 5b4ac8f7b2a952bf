"""The URLs of the test settings: the project's, with the worked-example model of the
test app (tests.testapp.Gadget) among the routes of API v1, so that the whole-API
sweeps and the contract reach it like any app's."""

from django.urls import include, path

from api.v1 import urls as api_v1
from config import urls as project

api_v1_patterns = [*api_v1.urlpatterns, *api_v1.spliced("tests.testapp.api_urls")]

urlpatterns = [
    path("api/v1/", include((api_v1_patterns, api_v1.app_name)))
    if getattr(pattern.pattern, "_route", None) == "api/v1/"
    else pattern
    for pattern in project.urlpatterns
]

handler404 = project.handler404
handler500 = project.handler500
