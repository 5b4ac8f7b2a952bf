"""/api/v1/organization-types/: read-only, by name, for any authenticated user."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from api.v1.base_models.organization.models import OrganizationType

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/organization-types/"


def detail_url(name):
    return f"{LIST_URL}{quote(name, safe='')}/"


class TestRead:
    def test_the_seeded_types_are_listed_by_name(self, auth_client):
        response = auth_client.get(LIST_URL)

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 9
        names = [row["name"] for row in body["results"]]
        assert names == sorted(names)
        assert "Location/Branch" in names
        assert set(body["results"][0]) == {"name", "description"}

    def test_a_type_created_since_is_listed(self, auth_client):
        OrganizationType.objects.create(name="Agency", description="Acts for others.")

        names = [row["name"] for row in auth_client.get(LIST_URL).json()["results"]]

        assert names[0] == "Agency"
        assert len(names) == 10

    def test_retrieve_by_name(self, auth_client):
        assert reverse("api-v1:organization-type-detail", args=["Company"]) == detail_url("Company")

        response = auth_client.get(detail_url("Company"))

        assert response.status_code == 200
        assert response.json() == {
            "name": "Company",
            "description": "Primary legal entity or top-level organization.",
        }

    def test_a_name_with_spaces(self, auth_client):
        OrganizationType.objects.create(name="Joint Venture")

        response = auth_client.get(detail_url("Joint Venture"))

        assert response.status_code == 200
        assert response.json()["name"] == "Joint Venture"

    @pytest.mark.parametrize(
        "path",
        [
            detail_url("Location/Branch"),  # %2F: decoded to a slash before routing
            f"{LIST_URL}Location/Branch/",
        ],
    )
    def test_a_name_with_a_slash_is_retrieved_by_name(self, auth_client, path):
        response = auth_client.get(path)

        assert response.status_code == 200
        assert response.json()["name"] == "Location/Branch"

    def test_reverse_gives_a_working_url_for_a_name_with_a_slash(self, auth_client):
        url = reverse("api-v1:organization-type-detail", args=["Location/Branch"])

        assert auth_client.get(url).json()["name"] == "Location/Branch"

    @pytest.mark.parametrize("path", ["Location/", "Location/Branch/extra/"])
    def test_partial_or_longer_names_are_404(self, auth_client, path):
        assert auth_client.get(f"{LIST_URL}{path}").status_code == 404

    def test_location_branch_is_reached_through_the_name_filter(self, auth_client):
        response = auth_client.get(LIST_URL, {"name": "Location/Branch"})

        assert [row["name"] for row in response.json()["results"]] == ["Location/Branch"]

    def test_an_unknown_name_is_404(self, auth_client):
        assert auth_client.get(detail_url("Guild")).status_code == 404

    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("branch", ["Location/Branch"]),  # by name, case-insensitively
            ("purchases", ["Customer"]),  # by description
            ("supplier", ["Supplier", "Vendor"]),  # name of one, description of the other
            ("nothing-like-it", []),
        ],
    )
    def test_search(self, auth_client, term, expected):
        response = auth_client.get(LIST_URL, {"search": term})

        assert sorted(row["name"] for row in response.json()["results"]) == expected

    def test_ordering(self, auth_client):
        names = [
            row["name"]
            for row in auth_client.get(LIST_URL, {"ordering": "-name"}).json()["results"]
        ]

        assert names == sorted(names, reverse=True)


class TestAccess:
    def test_anonymous_is_401(self, api_client):
        assert api_client.get(LIST_URL).status_code == 401
        assert api_client.get(detail_url("Company")).status_code == 401

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("post", LIST_URL),
            ("put", detail_url("Company")),
            ("patch", detail_url("Company")),
            ("delete", detail_url("Company")),
        ],
    )
    def test_read_only_even_for_a_superuser(self, jwt_client, superuser, method, path):
        response = getattr(jwt_client(superuser), method)(
            path, {"name": "Guild", "description": "x"}, format="json"
        )

        assert response.status_code == 405
        assert not OrganizationType.objects.filter(name="Guild").exists()
        assert OrganizationType.objects.filter(name="Company").exists()
