from rbac.tests.fixtures import fresh, grant_global, member, org_a, org_b  # noqa: F401
