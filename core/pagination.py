from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """`?page=N&page_size=M`, with `page_size` capped at settings.MAX_PAGE_SIZE."""

    page_size_query_param = "page_size"
    max_page_size = settings.MAX_PAGE_SIZE
