from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.base.serializers import ScopedModelSerializer
from rbac.access import visible_to
from rbac.rows import RecordURLField

from .models import FileStorage
from .services import stored
from .uploads import check_upload, clean_name


class FileSerializer(ScopedModelSerializer):
    """A file of your organization. Uploaded as multipart/form-data with `file`; its
    type is sniffed from the content, and its size and SHA-256 checksum are taken as it
    arrives. The content never changes afterwards: name, tags and custom fields may."""

    file = serializers.FileField(
        write_only=True,
        help_text=_("The file's content (multipart/form-data). Only on upload."),
    )
    original_name = serializers.CharField(
        max_length=255,
        required=False,
        help_text=_("The file's name; defaults to the uploaded file's name."),
    )
    uploaded_by = serializers.PrimaryKeyRelatedField(
        source="created_by", read_only=True, help_text=_("Id of the user who uploaded it.")
    )
    download_url = RecordURLField(
        "api-v1:file-download",
        help_text=_("Where to download it (checks your permission on every download)."),
    )

    class Meta:
        model = FileStorage
        fields = [
            "id",
            "organization",
            "organization_name",
            "file",
            "original_name",
            "size",
            "mime_type",
            "checksum",
            "uploaded_by",
            "download_url",
            "tags",
            "custom_fields",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["size", "mime_type", "checksum", "created_at", "updated_at"]

    def validate_original_name(self, value):
        name = clean_name(value)
        if not name:
            raise serializers.ValidationError(_("Enter a file name."))
        return name

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None:
            return attrs
        upload = attrs["file"]
        name = attrs.get("original_name") or clean_name(upload.name or "") or "file"
        try:
            checked = check_upload(upload, name)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"file": exc.detail}) from None
        attrs.update(
            original_name=name,
            mime_type=checked.mime_type,
            size=checked.size,
            checksum=checked.checksum,
        )
        return attrs

    def create(self, validated_data):
        upload = validated_data.pop("file")
        with stored(upload, validated_data["organization"].pk) as name:
            return super().create({**validated_data, "file": name})


class FileUpdateSerializer(FileSerializer):
    """A file's name, tags and custom fields: its content never changes (upload a new
    file, or a new version of a document)."""

    class Meta(FileSerializer.Meta):
        fields = [name for name in FileSerializer.Meta.fields if name != "file"]


@extend_schema_field(OpenApiTypes.INT)
class VisibleFileField(serializers.PrimaryKeyRelatedField):
    """A file the caller may view, by id (others are reported as not existing): how
    other records (document versions, comments) name files already uploaded."""

    def get_queryset(self):
        request = self.context.get("request")
        return visible_to(FileStorage, request.user) if request else FileStorage.objects.none()
