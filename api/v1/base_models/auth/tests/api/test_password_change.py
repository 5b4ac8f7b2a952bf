"""POST /api/v1/auth/password/change/."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from api.v1.base_models.user.tests.factories import UserFactory
from audit.models import AuditLog

from ..helpers import ME_URL, PASSWORD_CHANGE_URL, REFRESH_URL, bearer

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-better-passphrase"
PASSWORD_RATE = 5  # "password" rate: 5 wrong passwords per 15 minutes per user


def change(client, old, new, **extra_fields):
    return client.post(
        PASSWORD_CHANGE_URL, {"old_password": old, "new_password": new, **extra_fields}
    )


def stored_password_matches(user, raw):
    return get_user_model().objects.get(pk=user.pk).check_password(raw)


class TestSuccess:
    def test_returns_a_detail_and_a_fresh_pair(self, auth_client, user, password):
        response = change(auth_client, password, NEW_PASSWORD)

        assert response.status_code == 200
        assert set(response.data) == {"detail", "access", "refresh"}
        assert stored_password_matches(user, NEW_PASSWORD)

    def test_audited_and_the_user_is_told(
        self, auth_client, user, password, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            change(auth_client, password, NEW_PASSWORD)

        entry = AuditLog.objects.get(action_type="PASSWORD_CHANGE")
        assert entry.user_id == user.pk
        assert entry.context["ip_address"] == "127.0.0.1"
        (notice,) = mail.outbox
        assert notice.to == [user.email]
        assert "password of your account was changed" in notice.body

    def test_the_new_tokens_work(self, auth_client, api_client, user, password):
        data = change(auth_client, password, NEW_PASSWORD).data

        assert bearer(data["access"]).get(ME_URL).data["user"]["id"] == user.pk
        assert api_client.post(REFRESH_URL, {"refresh": data["refresh"]}).status_code == 200

    def test_the_old_access_token_stops_working(self, auth_client, password):
        assert auth_client.get(ME_URL).status_code == 200

        change(auth_client, password, NEW_PASSWORD)

        response = auth_client.get(ME_URL)
        assert response.status_code == 401
        assert response.data["code"] == "password_changed"

    def test_every_token_issued_before_stops_working(
        self, auth_client, api_client, login, user, password
    ):
        other_session = login(user.username, password).data

        change(auth_client, password, NEW_PASSWORD)

        assert bearer(other_session["access"]).get(ME_URL).status_code == 401
        response = api_client.post(REFRESH_URL, {"refresh": other_session["refresh"]})
        assert response.status_code == 401

    def test_login_with_the_new_password_works_and_the_old_fails(
        self, auth_client, login, user, password
    ):
        change(auth_client, password, NEW_PASSWORD)

        assert login(user.username, NEW_PASSWORD).status_code == 200
        assert login(user.username, password).status_code == 401

    def test_a_matching_confirmation(self, auth_client, user, password):
        response = change(auth_client, password, NEW_PASSWORD, new_password_confirm=NEW_PASSWORD)

        assert response.status_code == 200
        assert stored_password_matches(user, NEW_PASSWORD)

    def test_djangos_field_names(self, auth_client, user, password):
        response = auth_client.post(
            PASSWORD_CHANGE_URL,
            {
                "old_password": password,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

        assert response.status_code == 200
        assert stored_password_matches(user, NEW_PASSWORD)

    def test_form_encoded_body(self, auth_client, user, password):
        response = auth_client.post(
            PASSWORD_CHANGE_URL,
            {"old_password": password, "new_password": NEW_PASSWORD},
            format="multipart",
        )

        assert response.status_code == 200
        assert stored_password_matches(user, NEW_PASSWORD)

    def test_whitespace_is_kept(self, auth_client, login, user, password):
        change(auth_client, password, f" {NEW_PASSWORD} ")

        assert login(user.username, f" {NEW_PASSWORD} ").status_code == 200
        assert login(user.username, NEW_PASSWORD).status_code == 401


class TestRefused:
    def test_wrong_old_password(self, auth_client, user, password):
        response = change(auth_client, "not-the-password", NEW_PASSWORD)

        assert response.status_code == 400
        assert set(response.data) == {"old_password"}
        assert stored_password_matches(user, password)
        # The session is untouched.
        assert auth_client.get(ME_URL).status_code == 200

    @pytest.mark.parametrize(
        ("new_password", "message"),
        [
            ("Xy7!q", "too short"),
            ("password", "too common"),
            ("4829175036", "entirely numeric"),
        ],
    )
    def test_password_validators(self, auth_client, user, password, new_password, message):
        response = change(auth_client, password, new_password)

        assert response.status_code == 400
        assert any(message in error for error in response.data["new_password"])
        assert stored_password_matches(user, password)

    def test_similar_to_the_username(self, jwt_client, password):
        user = UserFactory(username="marguerite.duval")

        response = change(jwt_client(user), password, "marguerite.duval1")

        assert response.status_code == 400
        assert any("too similar" in error for error in response.data["new_password"])
        assert stored_password_matches(user, password)

    def test_confirmation_mismatch(self, auth_client, user, password):
        response = change(
            auth_client, password, NEW_PASSWORD, new_password_confirm=NEW_PASSWORD + "!"
        )

        assert response.status_code == 400
        assert "new_password_confirm" in response.data
        assert stored_password_matches(user, password)

    def test_confirmation_mismatch_with_djangos_field_names(self, auth_client, user, password):
        response = auth_client.post(
            PASSWORD_CHANGE_URL,
            {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": "other"},
        )

        assert response.status_code == 400
        assert stored_password_matches(user, password)

    @pytest.mark.parametrize("missing", ["old_password", "new_password"])
    def test_missing_fields(self, auth_client, password, missing):
        body = {"old_password": password, "new_password": NEW_PASSWORD}
        del body[missing]

        response = auth_client.post(PASSWORD_CHANGE_URL, body)

        assert response.status_code == 400
        assert response.data[missing][0].code == "required"

    def test_unauthenticated(self, api_client, user, password):
        response = change(api_client, password, NEW_PASSWORD)

        assert response.status_code == 401
        assert stored_password_matches(user, password)

    def test_with_an_api_key(self, api_client, user, password, api_key_for):
        _api_key, key = api_key_for(user)

        response = api_client.post(
            PASSWORD_CHANGE_URL,
            {"old_password": password, "new_password": NEW_PASSWORD},
            HTTP_X_API_KEY=key,
        )

        assert response.status_code == 403
        assert stored_password_matches(user, password)

    def test_wrong_old_passwords_are_throttled(self, auth_client, user, password):
        for _ in range(PASSWORD_RATE):
            assert change(auth_client, "not-the-password", NEW_PASSWORD).status_code == 400

        response = change(auth_client, password, NEW_PASSWORD)

        assert response.status_code == 429
        assert stored_password_matches(user, password)

    def test_rejected_new_passwords_are_not_counted_as_failures(self, auth_client, user, password):
        for _ in range(PASSWORD_RATE + 1):
            assert change(auth_client, password, "short").status_code == 400

        assert change(auth_client, password, NEW_PASSWORD).status_code == 200
