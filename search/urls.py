from django.urls import path

from .views import AutocompleteView, SearchView

urlpatterns = [
    path("search/", SearchView.as_view(), name="search"),
    path("search/autocomplete/", AutocompleteView.as_view(), name="search-autocomplete"),
]
