"""Automation rules: when a record of a model changes (or a time comes), check conditions,
then run actions; and the log of every evaluation.

An `AutomationRule` of an organization watches one model (`content_type`): its records'
creations, updates (optionally only of some fields), deletions or workflow transitions,
a cron schedule (over the records its conditions select), or a time relative to a date
field of its records. Its `RuleCondition`s are nodes of the filter language
(core.filtering), with `before.` paths and change operators (automation.conditions),
combined by `condition_logic`; its `RuleAction`s run in order (automation.actions), with
the permissions of the rule's owner, the last person who saved it. Each evaluation
leaves an `AutomationLog`: matched or not and why, each action's outcome.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Auditable, OrganizationScoped, Timestamped
from core.registry import ALL

from .choices import ConditionLogic, LogStatus, Signing, Trigger


class AutomationRule(OrganizationScoped, Timestamped, Auditable):
    business_record = False  # configuration: no comments or documents on it
    importable = False

    default_grants = {"administrator": ALL, "auditor": ("view",)}

    name = models.CharField(_("Name"), max_length=200)
    description = models.TextField(_("Description"), blank=True)
    is_active = models.BooleanField(_("Is Active"), default=True, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Owner"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text=_("Actions run with this user's permissions: whoever last saved the rule."),
    )
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("Model"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The model whose records the rule watches."),
    )
    trigger = models.CharField(_("Trigger"), max_length=20, choices=Trigger.choices)
    trigger_fields = models.JSONField(
        _("Trigger Fields"),
        default=list,
        blank=True,
        help_text=_(
            "Updates and transitions: the rule runs only when one of these fields changed."
        ),
    )
    schedule = models.CharField(
        _("Schedule"),
        max_length=200,
        blank=True,
        help_text=_("Cron expression, in the organization's time zone (schedule trigger)."),
    )
    date_field = models.CharField(
        _("Date Field"),
        max_length=100,
        blank=True,
        help_text=_("The record's date or date-time field (relative time trigger)."),
    )
    offset = models.CharField(
        _("Offset"),
        max_length=20,
        blank=True,
        help_text=_('When, relative to the date field: "-3d" (3 days before), "+2h", "P30D".'),
    )
    condition_logic = models.CharField(
        _("Condition Logic"),
        max_length=3,
        choices=ConditionLogic.choices,
        default=ConditionLogic.ALL,
    )
    secret = models.CharField(
        _("Webhook Secret"),
        max_length=100,
        blank=True,
        help_text=_("Signs the rule's webhooks."),
    )
    next_run_at = models.DateTimeField(_("Next Run At"), null=True, blank=True, db_index=True)
    last_run_at = models.DateTimeField(_("Last Run At"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("Consecutive Failures"), default=0)
    disabled_reason = models.CharField(_("Disabled Because"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("Automation Rule")
        verbose_name_plural = _("Automation Rules")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="automation_rule_unique_name"
            )
        ]
        indexes = [models.Index(fields=["content_type", "trigger", "is_active"])]

    def __str__(self) -> str:
        return self.name


class RulePart(Timestamped, Auditable):
    """A condition or an action of a rule (its `rule`), in its order."""

    organization_path = "rule__organization"
    business_record = False
    importable = False

    order = models.PositiveIntegerField(_("Order"), default=0)

    class Meta:
        abstract = True
        ordering = ["rule", "order", "id"]


class RuleCondition(RulePart):
    """One condition of a rule: a node of the filter language (see the module)."""

    rule = models.ForeignKey(
        AutomationRule, verbose_name=_("Rule"), on_delete=models.CASCADE, related_name="conditions"
    )
    definition = models.JSONField(_("Definition"))
    description = models.CharField(_("Description"), max_length=255, blank=True)

    class Meta(RulePart.Meta):
        verbose_name = _("Rule Condition")
        verbose_name_plural = _("Rule Conditions")

    def __str__(self) -> str:
        return self.description or f"{self.rule_id}.{self.order}"


class RuleAction(RulePart):
    """One action of a rule: a type of the action registry and its parameters."""

    rule = models.ForeignKey(
        AutomationRule, verbose_name=_("Rule"), on_delete=models.CASCADE, related_name="actions"
    )
    action_type = models.CharField(_("Action Type"), max_length=50)
    parameters = models.JSONField(_("Parameters"), default=dict, blank=True)
    signing = models.CharField(
        _("Signing"),
        max_length=20,
        choices=Signing.choices,
        default=Signing.STANDARD,
        help_text=_("Webhooks: how the request is signed with the rule's secret."),
    )
    continue_on_failure = models.BooleanField(
        _("Continue On Failure"),
        default=False,
        help_text=_("Run the next actions even when this one fails."),
    )

    class Meta(RulePart.Meta):
        verbose_name = _("Rule Action")
        verbose_name_plural = _("Rule Actions")

    def __str__(self) -> str:
        return f"{self.action_type} ({self.rule_id}.{self.order})"


class AutomationLog(OrganizationScoped, Timestamped):
    """One evaluation of a rule on a record: what triggered it, whether it matched and
    why, and what each action did."""

    business_record = False
    importable = False

    default_grants = {"administrator": ("view",), "auditor": ("view",)}

    rule = models.ForeignKey(
        AutomationRule,
        verbose_name=_("Rule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="logs",
    )
    rule_name = models.CharField(_("Rule Name"), max_length=200)
    trigger = models.CharField(_("Trigger"), max_length=20, choices=Trigger.choices)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("Model"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    object_id = models.CharField(_("Record Id"), max_length=64, blank=True, db_index=True)
    request_id = models.CharField(_("Request Id"), max_length=64, blank=True)
    changes = models.JSONField(_("Changes"), default=dict, blank=True)
    matched = models.BooleanField(_("Matched"), null=True)
    conditions = models.JSONField(
        _("Condition Results"),
        default=list,
        blank=True,
        help_text=_("Each condition and whether it held."),
    )
    reason = models.TextField(_("Reason"), blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=LogStatus.choices)
    action_logs = models.JSONField(_("Action Logs"), default=list, blank=True)
    depth = models.PositiveSmallIntegerField(_("Depth"), default=0)
    duration_ms = models.PositiveIntegerField(_("Duration (ms)"), default=0)

    class Meta:
        verbose_name = _("Automation Log")
        verbose_name_plural = _("Automation Logs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["rule", "-created_at"]),
            models.Index(fields=["content_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule_name}: {self.status}"
