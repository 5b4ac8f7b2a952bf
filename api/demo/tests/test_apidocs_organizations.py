"""The documentation's examples of organizations, memberships, invitations, roles, field
rules, custom fields, tags and the audit log: every operation has a real exchange."""

import pytest

from api.demo.apidocs.calls import LOGIN, PRODUCTS
from api.demo.apidocs.calls_organizations import CALLS
from api.demo.apidocs.capture import Call, Scenario
from api.demo.apidocs.markdown import operation_of

pytestmark = pytest.mark.django_db

OPERATIONS = [
    ("GET", "/api/v1/organization-types/"),
    ("GET", "/api/v1/organization-types/{name}/"),
    ("GET", "/api/v1/organizations/"),
    ("POST", "/api/v1/organizations/"),
    ("GET", "/api/v1/organizations/{id}/"),
    ("PUT", "/api/v1/organizations/{id}/"),
    ("PATCH", "/api/v1/organizations/{id}/"),
    ("DELETE", "/api/v1/organizations/{id}/"),
    ("GET", "/api/v1/organizations/{id}/ancestors/"),
    ("GET", "/api/v1/organizations/{id}/children/"),
    ("GET", "/api/v1/organizations/{id}/descendants/"),
    ("GET", "/api/v1/organizations/{id}/history/"),
    ("POST", "/api/v1/organizations/{id}/move/"),
    ("GET", "/api/v1/organizations/{id}/my-permissions/"),
    ("GET", "/api/v1/organization-memberships/"),
    ("POST", "/api/v1/organization-memberships/"),
    ("GET", "/api/v1/organization-memberships/{id}/"),
    ("PUT", "/api/v1/organization-memberships/{id}/"),
    ("PATCH", "/api/v1/organization-memberships/{id}/"),
    ("DELETE", "/api/v1/organization-memberships/{id}/"),
    ("GET", "/api/v1/organization-memberships/{id}/history/"),
    ("GET", "/api/v1/profiles/me/memberships/"),
    ("GET", "/api/v1/organization-invitations/"),
    ("POST", "/api/v1/organization-invitations/"),
    ("GET", "/api/v1/organization-invitations/{id}/"),
    ("GET", "/api/v1/organization-invitations/{id}/history/"),
    ("POST", "/api/v1/organization-invitations/{id}/resend/"),
    ("POST", "/api/v1/organization-invitations/{id}/revoke/"),
    ("GET", "/api/v1/invitations/"),
    ("GET", "/api/v1/invitations/{id}/"),
    ("POST", "/api/v1/invitations/{id}/accept/"),
    ("POST", "/api/v1/invitations/{id}/decline/"),
    ("POST", "/api/v1/invitations/accept/"),
    ("POST", "/api/v1/invitations/decline/"),
    ("GET", "/api/v1/roles/"),
    ("GET", "/api/v1/roles/{id}/"),
    ("GET", "/api/v1/field-permissions/"),
    ("POST", "/api/v1/field-permissions/"),
    ("GET", "/api/v1/field-permissions/{id}/"),
    ("PUT", "/api/v1/field-permissions/{id}/"),
    ("PATCH", "/api/v1/field-permissions/{id}/"),
    ("DELETE", "/api/v1/field-permissions/{id}/"),
    ("GET", "/api/v1/custom-field-definitions/"),
    ("POST", "/api/v1/custom-field-definitions/"),
    ("GET", "/api/v1/custom-field-definitions/{id}/"),
    ("PUT", "/api/v1/custom-field-definitions/{id}/"),
    ("PATCH", "/api/v1/custom-field-definitions/{id}/"),
    ("DELETE", "/api/v1/custom-field-definitions/{id}/"),
    ("GET", "/api/v1/tags/"),
    ("GET", "/api/v1/tags/{slug}/"),
    ("GET", "/api/v1/audit-logs/"),
    ("GET", "/api/v1/audit-logs/{id}/"),
]


def test_every_operation_has_a_real_exchange(demo, schema):
    exchanges = Scenario().run([*LOGIN, *PRODUCTS, *CALLS])

    covered = {
        (each.call.method.upper(), operation_of(schema, each.call.method, each.path))
        for each in exchanges[len(LOGIN) + len(PRODUCTS) :]
    }
    for method, template in OPERATIONS:
        assert template in schema["paths"], template
        assert method.lower() in schema["paths"][template], (method, template)
    assert [each for each in OPERATIONS if each not in covered] == []
    assert all(each.call.title for each in exchanges)


def test_the_invitation_token_is_never_shown(demo):
    scenario = Scenario()
    exchanges = scenario.run([*LOGIN, *PRODUCTS, *CALLS])

    accepted = next(each for each in exchanges if each.path == "/api/v1/invitations/accept/")
    token = accepted.body["token"]
    assert scenario.secrets[token] == "<invitation token>"
    assert accepted.response["organization_code"] == "DEMO-LAB"


def test_the_demo_accounts_stay_usable(demo):
    exchanges = Scenario().run(
        [
            *LOGIN,
            *PRODUCTS,
            *CALLS,
            Call(
                "Log in again",
                "POST",
                "/api/v1/auth/token/",
                account=None,
                body={"username": "demo", "password": "demo"},
            ),
            Call(
                "The demo user still administers DEMO",
                "GET",
                "/api/v1/organizations/{organization}/my-permissions/",
            ),
        ]
    )

    assert exchanges[-2].response["access"]
    assert exchanges[-1].response["role"] == "Organization Administrator"
