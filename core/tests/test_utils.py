"""core.utils: the uniqueness test of creates and updates."""

import pytest

from api.v1.base_models.organization.models import Organization
from api.v1.base_models.organization.tests.factories import OrganizationFactory
from core.utils import exists_besides

pytestmark = pytest.mark.django_db


def test_exists_besides_ignores_only_the_instance_itself():
    acme = OrganizationFactory(code="ACME")
    same_code = Organization.objects.filter(code__iexact="acme")

    assert exists_besides(same_code, None)  # a create would clash
    assert exists_besides(same_code, Organization(code="acme"))  # unsaved: any row counts
    assert not exists_besides(same_code, acme)  # an update of the row itself does not
    assert not exists_besides(Organization.objects.filter(code__iexact="other"), None)
