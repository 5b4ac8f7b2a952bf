import inspect
from functools import partial
from math import ceil

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable, ValuesIterable
from django.utils.functional import cached_property
from django.utils.inspect import method_has_no_args
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

# The largest row count a LIMIT takes (PostgreSQL's and SQLite's are 64-bit): a page
# ending further than that is past the end of any list.
_MAX_ROWS = 2**63 - 1
# The column a page's rows carry their list's count in (CountedWithThePage).
_COUNT = "counted_with_the_page"
_COUNT_OF = "SELECT COUNT(*) FROM ({rows}) counted"
# The rows a column can be taken off (`values_list()` rows are tuples).
_CARRIES_A_COLUMN = (ModelIterable, ValuesIterable)


def _counts_with_its_rows(rows) -> bool:
    """Whether the count of `rows` can be read with them: a queryset of instances or
    dicts whose count the page's columns cannot change (no DISTINCT, aggregate or
    union)."""
    if not isinstance(rows, QuerySet) or rows._iterable_class not in _CARRIES_A_COLUMN:
        return False
    query = rows.query
    return not (
        query.distinct
        or query.combinator
        or query.group_by is not None
        or any(getattr(each, "contains_aggregate", False) for each in query.annotations.values())
    )


class CountedWithThePage:
    """For Django's Paginator and its subclasses: a page of a queryset and the count of
    its list in one query, where the count was not asked for before the page.

    Django counts the list (a query), then reads the page (another). The page's query
    here carries the count as a column, `(SELECT COUNT(*) FROM (<the counted rows>))`,
    which does not depend on the row: the database runs it once, as it would alone
    (PostgreSQL: an InitPlan; SQLite: a constant subquery), and the round trip, and the
    ORM building the second query, are saved. An empty page has no row to carry it: a
    first page is then an empty list (a count of 0), any other is past the end, as
    Django says of it. Lists the count could differ on (DISTINCT, aggregates, a union)
    are counted by their own query, after their first page, which needs none when it is
    not full; paginators with orphans are counted first, as Django does."""

    def _counted_rows(self):
        """The rows to count (a queryset), as `count` counts them."""
        return self.object_list.order_by().values("pk")

    def _count_read(self, count: int) -> None:
        """Keep the count read with the page, as if counted before it."""
        self.__dict__["count"] = count

    def _count_known(self) -> bool:
        return "count" in self.__dict__

    def page(self, number):
        rows = self.object_list
        if self.orphans or self._count_known():
            return super().page(number)
        if not _counts_with_its_rows(rows):
            return self._first_page_first(number)
        number = self._whole_number(number)
        try:
            counted, params = self._counted_rows().query.sql_with_params()
        except EmptyResultSet:  # nothing can match (`.none()`): Django counts 0 alone
            return super().page(number)
        # The ORM's own statement, its values bound as parameters.
        count = RawSQL(_COUNT_OF.format(rows=counted), params)  # noqa: S611
        bottom = (number - 1) * self.per_page
        found = list(rows.annotate(**{_COUNT: count})[bottom : bottom + self.per_page])
        if not found:
            if number == 1 and self.allow_empty_first_page:
                self._count_read(0)
                return self._get_page(found, number, self)
            raise EmptyPage(self.error_messages["no_results"])
        for row in found:
            total = row.pop(_COUNT) if isinstance(row, dict) else row.__dict__.pop(_COUNT)
        self._count_read(total)
        return self._get_page(found, self.validate_number(number), self)

    def _first_page_first(self, number):
        """A list counted by its own query: its first page is read first, and one that
        is not full is the whole list, counted by its length (a list of tags, of a
        record's few rows: no count). A full first page is counted then, as Django
        counts; any other page is counted first."""
        if self._whole_number(number) != 1:
            return super().page(number)
        found = list(self.object_list[: self.per_page])
        if len(found) < self.per_page:
            self._count_read(len(found))
        return self._get_page(found, self.validate_number(1), self)

    def _whole_number(self, number) -> int:
        """Django's validate_number, up to the count."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if number * self.per_page >= _MAX_ROWS:
            raise EmptyPage(self.error_messages["no_results"])
        return number


class Paginator(CountedWithThePage, DjangoPaginator):
    """Django's Paginator, a page and its count read in one query."""


class StandardPagination(PageNumberPagination):
    """`?page=N&page_size=M`, with `page_size` capped at settings.MAX_PAGE_SIZE (more is
    read as the maximum). A `page_size` that is not a whole number of at least 1 is a
    400, where DRF would silently use the default. A page and the list's count are
    read in one query (CountedWithThePage)."""

    django_paginator_class = Paginator
    page_size_query_param = "page_size"
    max_page_size = settings.MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw not in (None, ""):
            try:
                size = int(raw)
            except ValueError:
                size = 0
            if size < 1:
                raise ValidationError(
                    {self.page_size_query_param: [_("Enter a whole number of at least 1.")]}
                )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Number of results per page (default {self.page_size}, at most "
                    f"{self.max_page_size}: more is read as {self.max_page_size})."
                )
        return parameters


DEFAULT_COUNT_LIMIT = 10_000


class BoundedCountPaginator(CountedWithThePage, DjangoPaginator):
    """Django's Paginator, counting no further than the page asked for needs.

    The count is `SELECT COUNT(*) FROM (SELECT ... LIMIT horizon + 1)`, unordered, where
    the horizon is `count_limit` or, for a page ending past it, the end of that page:
    page 1 reads at most `count_limit + 1` rows (index entries) however long the list
    is, a deep page no more rows than fetching it skips anyway, and a page past the end
    no more than an exact count. Within the horizon the count is exact
    (`count_is_exact`) and everything is as in Django's Paginator; past it, `count` is
    the horizon, `num_pages` the pages known to exist (the row past the horizon opens
    one more), so `has_next()` holds and a next page is never refused for lack of a
    count. `count_everything()` before the first page lifts the bound (`?page=last`).
    """

    def __init__(self, object_list, per_page, *, count_limit, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_limit = int(count_limit)
        self._horizon = self.count_limit  # None: count everything

    def count_everything(self):
        self._horizon = None
        self._forget_count()

    def _counted_rows(self):
        """The rows counted: no further than `horizon + 1`."""
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # Unordered, as QuerySet.count() is: an ORDER BY would make PostgreSQL
            # walk the ordering's index past every row a filter refuses (60 times
            # slower for one organization's rows of the audit log) rather than read
            # the filter's own index.
            rows = rows.order_by()
            if not rows.query.annotations and not rows.query.distinct:
                # Keys only: the bounded count is of a subquery, whose columns (JSON
                # included) the database would otherwise read for each row counted.
                rows = rows.values("pk")
        if self._horizon is not None:
            rows = rows[: self._horizon + 1]
        return rows

    @cached_property
    def _counted(self):
        """The number of rows, counting no further than `horizon + 1`."""
        rows = self._counted_rows()
        count = getattr(rows, "count", None)
        if callable(count) and not inspect.isbuiltin(count) and method_has_no_args(count):
            return count()
        return len(rows)

    def _count_read(self, count: int) -> None:
        self.__dict__["_counted"] = count

    def _count_known(self) -> bool:
        return "_counted" in self.__dict__

    def _forget_count(self):
        for name in ("_counted", "count", "num_pages"):
            self.__dict__.pop(name, None)

    @cached_property
    def count(self):
        if self.count_is_exact:
            return self._counted
        return self._horizon

    @property
    def count_is_exact(self) -> bool:
        return self._horizon is None or self._counted <= self._horizon

    @cached_property
    def num_pages(self):
        """The pages known to exist: all of them when the count is exact."""
        if self._counted == 0 and not self.allow_empty_first_page:
            return 0
        return ceil(max(1, self._counted - self.orphans) / self.per_page)

    def page(self, number):
        self._count_to_the_end_of(number)
        return super().page(number)

    def _count_to_the_end_of(self, number):
        """Move the horizon to the end of page `number` if that is further."""
        if self._horizon is None:
            return
        try:
            end = int(number) * self.per_page
        except (TypeError, ValueError):
            return  # no page number: validate_number() refuses it
        if end >= _MAX_ROWS:
            raise EmptyPage(self.error_messages["no_results"])
        if end > self._horizon:
            if "_counted" in self.__dict__:
                if self.count_is_exact:
                    return  # the last page is known
                self._forget_count()
            self._horizon = end


class BoundedCountPagination(StandardPagination):
    """StandardPagination for lists that grow without bound (the audit log): the count
    stops at `count_limit` rows (settings.PAGINATION_COUNT_LIMIT, default 10,000) or,
    for a page ending past them, at the end of that page (BoundedCountPaginator), so
    the first pages cost the same however long the list is.

    Responses add `count_is_exact`: false when there are more rows than were counted;
    `count` is then the rows counted. Every page is served as before (`next` is given
    while rows follow, a page past the end is a 404, `?page=last` counts everything).
    """

    count_limit = None  # None: settings.PAGINATION_COUNT_LIMIT (default 10,000)

    def get_count_limit(self) -> int:
        if self.count_limit is not None:
            return self.count_limit
        return getattr(settings, "PAGINATION_COUNT_LIMIT", DEFAULT_COUNT_LIMIT)

    @property
    def django_paginator_class(self):
        # What PageNumberPagination.paginate_queryset calls with (queryset, page_size).
        return partial(BoundedCountPaginator, count_limit=self.get_count_limit())

    def get_page_number(self, request, paginator):
        page_number = request.query_params.get(self.page_query_param) or 1
        if page_number in self.last_page_strings:
            paginator.count_everything()  # which page is the last, only a count tells
        return super().get_page_number(request, paginator)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        body = response.data
        response.data = {
            "count": body.pop("count"),
            "count_is_exact": self.page.paginator.count_is_exact,
            **body,
        }
        return response

    def get_paginated_response_schema(self, schema):
        limit = self.get_count_limit()
        response_schema = super().get_paginated_response_schema(schema)
        properties = response_schema["properties"]
        properties["count"]["description"] = (
            f"The number of results, if `count_is_exact`; otherwise the number counted, "
            f"a lower bound: {limit}, or on a page ending past {limit} results, the "
            "results up to the end of that page."
        )
        response_schema["properties"] = {
            "count": properties.pop("count"),
            "count_is_exact": {
                "type": "boolean",
                "description": (
                    "False when there are more results than were counted: the pages past "
                    "`count` are still served, follow `next` until it is null."
                ),
                "example": True,
            },
            **properties,
        }
        response_schema["required"] = [*response_schema["required"], "count_is_exact"]
        return response_schema
