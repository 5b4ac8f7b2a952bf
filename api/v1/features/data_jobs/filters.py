import django_filters

from core.filters import ContentTypeFilter, FilterSet, StrictBooleanFilter, created_between

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
    created_after, created_before = created_between()

    class Meta:
        model = DataJob
        fields = ["organization", "kind", "status", "format", "dry_run", "model"]
