from rbac.tests.fixtures import member  # noqa: F401
