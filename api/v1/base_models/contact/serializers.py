from django.db import transaction
from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from api.base.serializers import ScopedModelSerializer
from api.v1.base_models.common.models import Address
from api.v1.base_models.common.serializers import AddressSerializer
from api.v1.base_models.organization.models import Organization
from audit.services import diff_from_now
from core.serializers import missing_fields
from rbac.rows import ComputedTextField

from .models import (
    Contact,
    ContactAddress,
    ContactEmailAddress,
    ContactPhoneNumber,
    contact_full_name,
)


class ChannelSerializer(serializers.ModelSerializer):
    """A channel inside a contact payload: `id` names an existing one to keep/update."""

    id = serializers.IntegerField(required=False)
    is_primary = serializers.BooleanField(required=False, default=False)


class ContactEmailAddressSerializer(ChannelSerializer):
    class Meta:
        model = ContactEmailAddress
        fields = ["id", "email", "email_type", "is_primary"]


class ContactPhoneNumberSerializer(ChannelSerializer):
    phone_number = PhoneNumberField()

    class Meta:
        model = ContactPhoneNumber
        fields = ["id", "phone_number", "phone_type", "is_primary"]


class ContactAddressSerializer(ChannelSerializer):
    address = AddressSerializer()

    class Meta:
        model = ContactAddress
        fields = ["id", "address", "address_type", "is_primary"]


LINKED_ORGANIZATION_ERROR = _("Choose this contact's organization or one under it.")


class LinkedOrganizationField(serializers.PrimaryKeyRelatedField):
    """An unknown id gets the same answer as another tenant's organization: the payload
    cannot tell whether an organization exists elsewhere."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "does_not_exist": LINKED_ORGANIZATION_ERROR,
    }


# (payload key, channel model, the value that must be unique per contact)
CHANNELS = [
    ("email_addresses", ContactEmailAddress, "email"),
    ("phone_numbers", ContactPhoneNumber, "phone_number"),
    ("addresses", ContactAddress, None),
]


class ContactSerializer(ScopedModelSerializer):
    """A contact with its e-mail addresses, phone numbers and postal addresses, written
    in one request. A channel list replaces the contact's channels of that kind: items
    with an `id` update that channel, items without one are added, channels left out
    are removed. One channel of each kind is primary: the first one sent as primary,
    or the first one if none is."""

    email_addresses = ContactEmailAddressSerializer(many=True, required=False)
    phone_numbers = ContactPhoneNumberSerializer(many=True, required=False)
    addresses = ContactAddressSerializer(many=True, required=False)
    linked_organization = LinkedOrganizationField(
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the organization the person works for: the contact's organization "
        "or one under it.",
    )
    linked_organization_name = serializers.CharField(
        source="linked_organization.name", read_only=True, allow_null=True
    )
    full_name = ComputedTextField(
        contact_full_name,
        ["first_name", "last_name"],
        help_text="The first and last names, as shown.",
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "organization",
            "first_name",
            "last_name",
            "full_name",
            "title",
            "department",
            "contact_type",
            "status",
            "source",
            "notes",
            "linked_organization",
            "linked_organization_name",
            "email_addresses",
            "phone_numbers",
            "addresses",
            "tags",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        organization = attrs.get("organization") or getattr(self.instance, "organization", None)
        # Checked against the resulting state: moving the contact to another
        # organization must not leave it linked to one outside the new organization.
        if "linked_organization" in attrs:
            linked = attrs["linked_organization"]
        else:
            linked = getattr(self.instance, "linked_organization", None)
        if (
            linked is not None
            and organization is not None
            and not (
                linked.tree_id == organization.tree_id
                and organization.lft <= linked.lft
                and linked.rght <= organization.rght
            )
        ):
            raise serializers.ValidationError({"linked_organization": [LINKED_ORGANIZATION_ERROR]})
        for key, model, unique_field in CHANNELS:
            if key in attrs:
                attrs[key] = self._clean_channels(key, model, unique_field, attrs[key])
        return attrs

    def _clean_channels(self, key, model, unique_field, items):
        existing = {}
        if self.instance is not None:
            existing = dict(
                model.objects.filter(contact=self.instance).values_list("pk", unique_field or "pk")
            )
        errors, seen_values, seen_ids = {}, set(), set()
        for index, item in enumerate(items):
            channel_id = item.get("id")
            if channel_id is None:
                # A PATCH is validated partially, nested items included: a new channel
                # still needs what it needs on create.
                missing = missing_fields(self.fields[key].child, item)
                if missing:
                    errors[index] = missing
                    continue
            elif channel_id not in existing or channel_id in seen_ids:
                errors[index] = {"id": [_("Not a channel of this contact.")]}
            seen_ids.add(channel_id)
            if unique_field:
                # A kept channel sent without its value keeps its current one.
                value = item.get(unique_field, existing.get(channel_id))
                if value is None:
                    continue
                value = str(value).lower()
                if value in seen_values:
                    errors[index] = {unique_field: [_("Listed twice.")]}
                seen_values.add(value)
        if errors:
            # Keyed by index, like DRF's own errors of the items (LIST_SERIALIZER_ERRORS_AS_DICT).
            raise serializers.ValidationError({key: errors})
        # One primary: the first marked one, else the first one.
        primary = next((i for i, item in enumerate(items) if item.get("is_primary")), 0)
        for index, item in enumerate(items):
            item["is_primary"] = index == primary
        return items

    @transaction.atomic
    def create(self, validated_data):
        channels = {key: validated_data.pop(key, None) for key, _model, _field in CHANNELS}
        contact = super().create(validated_data)
        self._write_channels(contact, channels)
        return contact

    @transaction.atomic
    def update(self, instance, validated_data):
        channels = {key: validated_data.pop(key, None) for key, _model, _field in CHANNELS}
        contact = super().update(instance, validated_data)
        self._write_channels(contact, channels)
        return contact

    def _write_channels(self, contact, channels):
        for key, model, unique_field in CHANNELS:
            items = channels[key]
            if items is None:
                continue
            # Loaded first: each channel's diff in the audit log starts from its values
            # before this request, whatever the bulk steps below do in between.
            current = {channel.pk: channel for channel in model.objects.filter(contact=contact)}
            for channel in current.values():
                diff_from_now(channel)
            kept = {item["id"] for item in items if item.get("id")}
            # Removed first (their addresses go with them, see signals); then the primary
            # one is written before the others, which keep is_primary false.
            for pk, channel in current.items():
                if pk not in kept:
                    channel.delete()
            model.objects.filter(contact=contact).update(is_primary=False)
            if unique_field:
                self._release_values(model, unique_field, items)
            for item in sorted(items, key=lambda item: not item["is_primary"]):
                data = dict(item)
                channel_id = data.pop("id", None)
                channel = current[channel_id] if channel_id else model(contact=contact)
                self._write_channel(channel, data)

    @staticmethod
    def _release_values(model, unique_field, items):
        """Kept channels whose value changes give it up first (inside the transaction),
        so that values can move between channels of one contact, swaps included,
        without meeting the (contact, value) unique index half-way."""
        for item in items:
            if item.get("id") and unique_field in item:
                model.objects.filter(pk=item["id"]).exclude(
                    **{unique_field: item[unique_field]}
                ).update(**{unique_field: f"+0{item['id']}@moving.invalid"})

    @staticmethod
    def _write_channel(channel, data):
        address_data = data.pop("address", None)
        if address_data is not None:
            if channel.pk:
                AddressSerializer().update(channel.address, address_data)
            else:
                channel.address = Address.objects.create(**address_data)
        for name, value in data.items():
            setattr(channel, name, value)
        channel.save()
