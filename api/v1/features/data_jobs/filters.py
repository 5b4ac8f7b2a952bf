import django_filters

from core.filters import ContentTypeFilter, FilterSet, StrictBooleanFilter

from .choices import FileFormat, JobKind, JobStatus
from .models import DataJob


class DataJobFilter(FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    kind = django_filters.ChoiceFilter(choices=JobKind.choices)
    status = django_filters.MultipleChoiceFilter(choices=JobStatus.choices)
    format = django_filters.ChoiceFilter(choices=FileFormat.choices)
    dry_run = StrictBooleanFilter()
    model = ContentTypeFilter(
        field_name="content_type", help_text='Jobs of this model, e.g. "products.product".'
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = DataJob
        fields = ["organization", "kind", "status", "format", "dry_run", "model"]
