import pytest
from django.core.exceptions import ValidationError

from api.v1.base_models.user.validators import validate_notification_preferences
from core.validators import validate_language, validate_timezone


class TestValidateTimezone:
    @pytest.mark.parametrize(
        "value", ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Asia/Kolkata"]
    )
    def test_accepts_iana_names(self, value):
        validate_timezone(value)

    @pytest.mark.parametrize(
        "value", ["Mars/Olympus_Mons", "europe/paris", "CEST", "", "Europe/Paris "]
    )
    def test_refuses_unknown_names(self, value):
        with pytest.raises(ValidationError) as excinfo:
            validate_timezone(value)
        assert excinfo.value.code == "invalid_timezone"


class TestValidateLanguage:
    @pytest.mark.parametrize("value", ["en", "fr", "pt-br", "de"])
    def test_accepts_codes_of_settings_languages(self, value):
        validate_language(value)

    @pytest.mark.parametrize("value", ["xx", "english", "EN", "", "fr-FR"])
    def test_refuses_other_codes(self, value):
        with pytest.raises(ValidationError) as excinfo:
            validate_language(value)
        assert excinfo.value.code == "invalid_language"

    def test_follows_the_languages_setting(self, settings):
        settings.LANGUAGES = [("en", "English"), ("fr", "French")]
        validate_language("fr")
        with pytest.raises(ValidationError):
            validate_language("de")


class TestValidateNotificationPreferences:
    @pytest.mark.parametrize(
        "value",
        [
            {},
            {"email": False},
            {"in_app": True, "email": False},
            {"comment_mention": {"in_app": True, "email": False}},
            {"comment_mention": {}},
            {
                "email": True,
                "comment_mention": {"email": False},
                "task_assigned": {"in_app": False},
            },
            {"email_digest": "daily", "email": True},
        ],
    )
    def test_accepts_channel_switches_globally_and_per_type(self, value):
        validate_notification_preferences(value)

    @pytest.mark.parametrize(
        ("value", "message_part"),
        [
            ([], "JSON object"),
            ("email", "JSON object"),
            (None, "JSON object"),
            (True, "JSON object"),
            ({"email": "no"}, "'email' must be true or false"),
            ({"in_app": 0}, "'in_app' must be true or false"),
            ({"email": None}, "'email' must be true or false"),
            ({"comment_mention": True}, "'comment_mention' must be an object"),
            ({"comment_mention": ["email"]}, "'comment_mention' must be an object"),
            ({"comment_mention": {"sms": True}}, "Unknown channel 'sms' in 'comment_mention'"),
            ({"comment_mention": {"email": "yes"}}, "'comment_mention.email' must be true"),
            ({"comment_mention": {"in_app": 1}}, "'comment_mention.in_app' must be true"),
            ({"email_digest": "weekly"}, "'email_digest' must be one of immediate, hourly"),
            ({"email_digest": None}, "'email_digest' must be one of"),
        ],
    )
    def test_refuses_invalid_shapes(self, value, message_part):
        with pytest.raises(ValidationError) as excinfo:
            validate_notification_preferences(value)
        assert excinfo.value.code == "invalid"
        assert message_part in excinfo.value.messages[0]
