"""JSON renderings of field values, and diffs of snapshots."""

import datetime
import uuid
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from phonenumber_field.phonenumber import PhoneNumber

from audit.diff import MASK, changes_since, initial_values, to_json
from audit.registry import AuditedModel

SPEC = AuditedModel(model=object, masked={"secret"})


class TestToJson:
    def test_plain_values_as_they_are(self):
        for value in (None, True, False, 0, 7, 2.5, "", "text", {"a": [1]}, [1, "x"]):
            assert to_json(value) == value

    def test_dates_and_times_in_iso_format(self):
        moment = datetime.datetime(2024, 1, 31, 13, 45, 6, 789, tzinfo=datetime.UTC)
        assert to_json(moment) == "2024-01-31T13:45:06.000789+00:00"
        assert to_json(datetime.date(2024, 1, 31)) == "2024-01-31"
        assert to_json(datetime.time(8, 30)) == "08:30:00"

    def test_decimals_and_uuids_as_strings(self):
        # By value, whatever the scale: 0.0825 and 0.08250 are the same rate.
        assert to_json(Decimal("0.08250")) == "0.0825"
        assert to_json(Decimal("0.0825")) == "0.0825"
        assert to_json(Decimal("-12.5")) == "-12.5"
        assert to_json(Decimal("100")) == "100"
        assert to_json(Decimal("0E-5")) == "0"
        identifier = uuid.UUID("12345678-1234-5678-1234-567812345678")
        assert to_json(identifier) == "12345678-1234-5678-1234-567812345678"

    def test_binary_is_not_copied(self):
        assert to_json(b"\x00secret") == "<binary>"
        assert to_json(memoryview(b"secret")) == "<binary>"

    def test_files_by_their_stored_name(self, tmp_path, settings):
        settings.MEDIA_ROOT = tmp_path
        name = default_storage.save("docs/a.txt", ContentFile(b"x"))

        class Field:
            storage = default_storage

        stored = FieldFile(None, Field(), name)
        assert to_json(stored) == name
        assert to_json(FieldFile(None, Field(), "")) is None

    def test_other_values_as_text(self):
        assert to_json(PhoneNumber.from_string("+14155550100")) == "+14155550100"


class TestDiffs:
    def test_changed_fields_only(self):
        snapshot = {"a": 1, "b": "x", "c": {"k": [1]}}
        current = {"a": 1, "b": "y", "c": {"k": [1]}}
        assert changes_since(snapshot, current, SPEC) == {"b": {"old": "x", "new": "y"}}

    def test_fields_not_in_the_snapshot_are_skipped(self):
        assert changes_since({}, {"a": 1}, SPEC) == {}
        assert changes_since({"a": 1}, {"b": 2}, SPEC) == {}

    def test_json_compared_by_value(self):
        assert changes_since({"c": {"a": 1, "b": 2}}, {"c": {"b": 2, "a": 1}}, SPEC) == {}
        assert changes_since({"c": [1, 2]}, {"c": [2, 1]}, SPEC) == {
            "c": {"old": [1, 2], "new": [2, 1]}
        }

    def test_types_matter(self):
        assert changes_since({"a": 0}, {"a": None}, SPEC) == {"a": {"old": 0, "new": None}}
        assert changes_since({"a": ""}, {"a": None}, SPEC) == {"a": {"old": "", "new": None}}

    def test_masked_fields(self):
        assert changes_since({"secret": "a"}, {"secret": "b"}, SPEC) == {
            "secret": {"old": MASK, "new": MASK}
        }
        assert changes_since({"secret": None}, {"secret": "b"}, SPEC) == {
            "secret": {"old": None, "new": MASK}
        }

    def test_initial_values_leave_out_empty_ones(self):
        current = {
            "none": None,
            "empty": "",
            "no_list": [],
            "no_dict": {},
            "false": False,
            "zero": 0,
            "name": "N",
            "secret": "s",
        }
        assert initial_values(current, SPEC) == {
            "false": {"old": None, "new": False},
            "zero": {"old": None, "new": 0},
            "name": {"old": None, "new": "N"},
            "secret": {"old": None, "new": MASK},
        }
