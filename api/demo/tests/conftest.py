"""Fixtures of the demo app's tests: the demo data, and the schema of the API."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from api.v1.base_models.auth.models import UserAPIKey


@pytest.fixture
def demo(settings):
    """Seeds the demo data; returns an API key of the demo user."""
    settings.DEBUG = True  # seed_demo refuses otherwise
    call_command("seed_demo", stdout=io.StringIO())
    _key, secret = UserAPIKey.objects.create_key(
        user=get_user_model().objects.get(username="demo"), name="Documentation"
    )
    return secret


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)
