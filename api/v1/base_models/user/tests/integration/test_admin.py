"""The Django Admin of users, with the profile inline on the change page."""

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse

from api.v1.base_models.user.models import UserProfile
from api.v1.base_models.user.tests.factories import UserFactory, UserProfileFactory

User = get_user_model()

pytestmark = pytest.mark.django_db

CHANGELIST_URL = reverse("admin:users_user_changelist")
ADD_URL = reverse("admin:users_user_add")


def change_url(user):
    return reverse("admin:users_user_change", args=[user.pk])


def form_data(form) -> dict:
    """What a browser submits for `form` as rendered (files aside)."""
    data = {}
    for bound_field in form:
        field, widget = bound_field.field, bound_field.field.widget
        if field.disabled or isinstance(widget, forms.FileInput):
            continue
        names = [bound_field.html_name]
        if field.show_hidden_initial:  # fields with a callable default (language, JSON, dates)
            names.append(bound_field.html_initial_name)
        for name in names:
            data.update(_widget_data(widget, name, bound_field.value()))
    return data


def _widget_data(widget, name, value) -> dict:
    if isinstance(widget, forms.MultiWidget):
        parts = value if isinstance(value, list) else widget.decompress(value)
        return {
            f"{name}{suffix}": "" if part is None else subwidget.format_value(part)
            for suffix, subwidget, part in zip(
                widget.widgets_names, widget.widgets, parts, strict=True
            )
        }
    if isinstance(widget, forms.CheckboxInput):
        return {name: "on"} if value else {}
    if isinstance(value, list | tuple):
        return {name: [str(item) for item in value]}
    return {name: "" if value is None else str(value)}


def change_form_data(response) -> dict:
    """The POST data of the change page as rendered: the user form and the profile inline."""
    data = form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(form_data(formset.management_form))
        for form in formset.forms:
            data.update(form_data(form))
    data["_save"] = "Save"
    return data


@pytest.fixture
def admin_logged_in(client, superuser):
    client.force_login(superuser)
    return client


class TestAccess:
    def test_anonymous_is_sent_to_the_login_page(self, client):
        response = client.get(CHANGELIST_URL)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    def test_non_staff_users_are_refused(self, client, user):
        client.force_login(user)
        response = client.get(CHANGELIST_URL)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


class TestChangelist:
    def test_lists_users_with_their_job_title(self, admin_logged_in):
        UserProfileFactory(user=UserFactory(username="alice"), job_title="Chief Accountant")
        response = admin_logged_in.get(CHANGELIST_URL)
        assert response.status_code == 200
        usernames = [u.username for u in response.context["cl"].result_list]
        assert sorted(usernames) == ["alice", "root"]
        assert b"Chief Accountant" in response.content

    @pytest.mark.parametrize("query", ["alice", "Liddell", "alice@example.com", "EMP-4242"])
    def test_search(self, admin_logged_in, query):
        alice = UserFactory(username="alice", last_name="Liddell")
        UserProfileFactory(user=alice, employee_id="EMP-4242")
        UserProfileFactory(user=UserFactory(username="bob", last_name="Builder"))
        response = admin_logged_in.get(CHANGELIST_URL, {"q": query})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [alice]

    def test_search_without_match(self, admin_logged_in):
        response = admin_logged_in.get(CHANGELIST_URL, {"q": "nobody-has-this"})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == []

    def test_sorts_by_job_title(self, admin_logged_in, superuser):
        for name, title in [("u1", "Buyer"), ("u2", "Accountant"), ("u3", "Controller")]:
            UserProfileFactory(user=UserFactory(username=name), job_title=title)
        UserProfile.objects.filter(user=superuser).update(job_title="Zookeeper")
        # Columns: username (1), email, first name, last name, job title (5), staff.
        response = admin_logged_in.get(CHANGELIST_URL, {"o": "5"})
        assert response.status_code == 200
        usernames = [u.username for u in response.context["cl"].result_list]
        assert usernames == ["u2", "u1", "u3", "root"]

    def test_lists_users_that_have_no_profile(self, admin_logged_in):
        # Users loaded from fixtures have no profile until first used.
        loaded = UserFactory(username="loaded")
        UserProfile.objects.filter(user=loaded).delete()
        response = admin_logged_in.get(CHANGELIST_URL)
        assert response.status_code == 200
        assert "loaded" in [u.username for u in response.context["cl"].result_list]


class TestAddPage:
    def test_has_no_profile_inline(self, admin_logged_in):
        response = admin_logged_in.get(ADD_URL)
        assert response.status_code == 200
        assert response.context["inline_admin_formsets"] == []
        assert b'name="profile-TOTAL_FORMS"' not in response.content

    def test_creating_a_user_creates_exactly_one_profile(self, admin_logged_in, superuser):
        response = admin_logged_in.post(
            ADD_URL,
            {
                "username": "newcomer",
                "usable_password": "true",
                "password1": "An-Unusual-Passphrase-42",
                "password2": "An-Unusual-Passphrase-42",
                "_save": "Save",
            },
        )
        assert response.status_code == 302, (
            response.context and response.context["adminform"].form.errors
        )
        user = User.objects.get(username="newcomer")
        assert user.check_password("An-Unusual-Passphrase-42")
        profiles = UserProfile.objects.filter(user=user)
        assert profiles.count() == 1
        assert profiles.get().created_by == superuser


class TestChangePage:
    def test_shows_the_profile_inline(self, admin_logged_in):
        profile = UserProfileFactory(job_title="Buyer")
        response = admin_logged_in.get(change_url(profile.user))
        assert response.status_code == 200
        inlines = response.context["inline_admin_formsets"]
        assert len(inlines) == 1
        formset = inlines[0].formset
        assert formset.prefix == "profile"
        assert [form.instance.pk for form in formset.forms] == [profile.pk]
        assert b'name="profile-0-job_title"' in response.content
        assert b"Buyer" in response.content

    def test_posting_the_inline_updates_the_profile(self, admin_logged_in, superuser):
        profile = UserProfileFactory(job_title="Buyer", employee_id="EMP-1")
        boss = UserFactory()
        page = admin_logged_in.get(change_url(profile.user))
        data = change_form_data(page)
        data.update(
            {
                "first_name": "Renamed",
                "profile-0-job_title": "Head Buyer",
                "profile-0-employee_id": "EMP-2",
                "profile-0-phone_number": "+33142685300",
                "profile-0-manager": str(boss.pk),
                "profile-0-language": "de",
                "profile-0-timezone": "Europe/Berlin",
                "profile-0-date_format": "DD.MM.YYYY",
                "profile-0-time_format": "12h",
                "profile-0-notification_preferences": '{"email": false}',
                "profile-0-custom_fields": '{"desk": "B-12"}',
            }
        )
        response = admin_logged_in.post(change_url(profile.user), data)
        assert response.status_code == 302, _errors(response)

        profile.refresh_from_db()
        assert profile.user.first_name == "Renamed"
        assert profile.job_title == "Head Buyer"
        assert profile.employee_id == "EMP-2"
        assert str(profile.phone_number) == "+33142685300"
        assert profile.manager == boss
        assert profile.language == "de"
        assert profile.timezone == "Europe/Berlin"
        assert profile.date_format == "DD.MM.YYYY"
        assert profile.time_format == "12h"
        assert profile.notification_preferences == {"email": False}
        assert profile.custom_fields == {"desk": "B-12"}
        assert profile.updated_by == superuser
        assert UserProfile.objects.filter(user=profile.user).count() == 1

    def test_a_user_without_profile_gets_one_from_the_inline(self, admin_logged_in):
        user = UserFactory()
        UserProfile.objects.filter(user=user).delete()  # as if loaded from a fixture
        page = admin_logged_in.get(change_url(user))
        assert page.status_code == 200
        data = change_form_data(page)
        data["profile-0-job_title"] = "Newly profiled"
        response = admin_logged_in.post(change_url(user), data)
        assert response.status_code == 302, _errors(response)
        assert UserProfile.objects.get(user=user).job_title == "Newly profiled"

    def test_unchanged_post_keeps_the_profile(self, admin_logged_in):
        profile = UserProfileFactory(job_title="Buyer")
        before = UserProfile.objects.filter(pk=profile.pk).values().get()
        page = admin_logged_in.get(change_url(profile.user))
        response = admin_logged_in.post(change_url(profile.user), change_form_data(page))
        assert response.status_code == 302, _errors(response)
        assert UserProfile.objects.filter(pk=profile.pk).values().get() == before

    def test_blank_employee_id_is_stored_as_null(self, admin_logged_in):
        UserProfileFactory(employee_id=None)  # another blank one: no collision
        profile = UserProfileFactory(employee_id="EMP-1")
        page = admin_logged_in.get(change_url(profile.user))
        data = change_form_data(page)
        data["profile-0-employee_id"] = ""
        response = admin_logged_in.post(change_url(profile.user), data)
        assert response.status_code == 302, _errors(response)
        profile.refresh_from_db()
        assert profile.employee_id is None

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("timezone", "Mars/Base"),
            ("language", "xx"),
            ("notification_preferences", '{"email": "no"}'),
            ("custom_fields", "[1, 2]"),
            ("phone_number", "not a phone"),
        ],
    )
    def test_invalid_inline_values_are_refused(self, admin_logged_in, field, value):
        profile = UserProfileFactory()
        before = UserProfile.objects.filter(pk=profile.pk).values().get()
        page = admin_logged_in.get(change_url(profile.user))
        data = change_form_data(page)
        data[f"profile-0-{field}"] = value
        response = admin_logged_in.post(change_url(profile.user), data)
        assert response.status_code == 200
        errors = response.context["inline_admin_formsets"][0].formset.errors
        assert field in errors[0]
        assert UserProfile.objects.filter(pk=profile.pk).values().get() == before

    def test_manager_cycle_is_refused(self, admin_logged_in):
        a, b, c = UserFactory(), UserFactory(), UserFactory()
        UserProfile.objects.filter(user=b).update(manager=a)
        UserProfile.objects.filter(user=c).update(manager=b)
        page = admin_logged_in.get(change_url(a))
        data = change_form_data(page)
        data["profile-0-manager"] = str(c.pk)
        response = admin_logged_in.post(change_url(a), data)
        assert response.status_code == 200
        errors = response.context["inline_admin_formsets"][0].formset.errors
        assert "manager" in errors[0]
        assert UserProfile.objects.get(user=a).manager is None

    def test_self_manager_is_refused(self, admin_logged_in):
        user = UserFactory()
        page = admin_logged_in.get(change_url(user))
        data = change_form_data(page)
        data["profile-0-manager"] = str(user.pk)
        response = admin_logged_in.post(change_url(user), data)
        assert response.status_code == 200
        assert "manager" in response.context["inline_admin_formsets"][0].formset.errors[0]
        assert UserProfile.objects.get(user=user).manager is None


def _errors(response):
    """The form errors of a re-rendered admin page, to explain a failed assertion."""
    if response.context is None:
        return response.status_code
    formsets = response.context.get("inline_admin_formsets") or []
    return (
        response.context["adminform"].form.errors,
        [inline.formset.errors for inline in formsets],
    )


def test_the_profile_picture_is_shown_through_a_checked_view(admin_logged_in, png_upload):
    user = UserFactory()
    profile = UserProfile.objects.get(user=user)
    profile.profile_picture = png_upload("me.png")
    profile.save()

    page = admin_logged_in.get(change_url(user)).content.decode()
    picture = reverse("admin:users_user_picture", args=[user.pk])
    assert picture in page
    assert profile.profile_picture.name not in page  # no storage URL
    response = admin_logged_in.get(picture)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert (
        admin_logged_in.get(
            reverse("admin:users_user_picture", args=[UserFactory().pk])
        ).status_code
        == 404
    )


def test_staff_without_view_permission_get_no_picture(client, png_upload):
    user = UserFactory()
    profile = UserProfile.objects.get(user=user)
    profile.profile_picture = png_upload("me.png")
    profile.save()
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("admin:users_user_picture", args=[user.pk]))
    assert response.status_code == 404
