import django_filters

from core.filters import ContentTypeFilter, FilterSet, StrictBooleanFilter, created_between

from .choices import LogStatus, Trigger
from .models import AutomationLog, AutomationRule


class AutomationRuleFilter(FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    is_active = StrictBooleanFilter()
    trigger = django_filters.MultipleChoiceFilter(choices=Trigger.choices)
    model = ContentTypeFilter(
        field_name="content_type", help_text='Rules watching this model, e.g. "products.product".'
    )

    class Meta:
        model = AutomationRule
        fields = ["organization", "is_active", "trigger", "model"]


class AutomationLogFilter(FilterSet):
    organization = django_filters.NumberFilter(field_name="organization_id")
    rule = django_filters.NumberFilter(field_name="rule_id")
    status = django_filters.MultipleChoiceFilter(choices=LogStatus.choices)
    trigger = django_filters.MultipleChoiceFilter(choices=Trigger.choices)
    matched = StrictBooleanFilter()
    model = ContentTypeFilter(
        field_name="content_type", help_text="Evaluations on records of this model."
    )
    object_id = django_filters.CharFilter(help_text="Evaluations on this record (with model).")
    created_after, created_before = created_between()

    class Meta:
        model = AutomationLog
        fields = ["organization", "rule", "status", "trigger", "matched", "model", "object_id"]
