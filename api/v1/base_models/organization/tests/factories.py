from datetime import timedelta

import factory
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from factory.django import DjangoModelFactory

from api.v1.base_models.organization.models import (
    Organization,
    OrganizationInvitation,
    OrganizationMembership,
    OrganizationType,
)
from api.v1.base_models.organization.services import hash_token
from api.v1.base_models.user.tests.factories import UserFactory


class OrganizationTypeFactory(DjangoModelFactory):
    class Meta:
        model = OrganizationType
        django_get_or_create = ("name",)

    name = "Company"
    description = factory.Faker("sentence")


class OrganizationFactory(DjangoModelFactory):
    """A top-level company; pass `parent=` for a sub-organization."""

    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Organization {n}")
    code = factory.Sequence(lambda n: f"ORG-{n:04d}")
    organization_type = factory.SubFactory(OrganizationTypeFactory)
    parent = None
    timezone = "UTC"
    language = "en"

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class RoleFactory(DjangoModelFactory):
    """A role (Group). `permissions=["contact.view_contact", ...]` grants those."""

    class Meta:
        model = Group
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Role {n}")

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        if create and extracted:
            self.permissions.set(permissions_named(*extracted))


def permissions_named(*names: str) -> list[Permission]:
    """Permission objects for "app_label.codename" names (all must exist)."""
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def model_permissions(model, *verbs: str) -> list[str]:
    """["contact.view_contact", ...] for `model` and the verbs (all four by default)."""
    meta = model._meta
    return [
        f"{meta.app_label}.{verb}_{meta.model_name}"
        for verb in (verbs or ("view", "add", "change", "delete"))
    ]


class OrganizationMembershipFactory(DjangoModelFactory):
    class Meta:
        model = OrganizationMembership
        django_get_or_create = ("user", "organization")

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = factory.SubFactory(RoleFactory)
    is_active = True


class OrganizationInvitationFactory(DjangoModelFactory):
    """A pending invitation, valid for a week; `token="..."` gives it that token (as if
    its email had been sent)."""

    class Meta:
        model = OrganizationInvitation
        exclude = ("token",)

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = factory.SubFactory(RoleFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    token = None
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token) if o.token else "")
