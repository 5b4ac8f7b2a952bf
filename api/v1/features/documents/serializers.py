import operator

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.base.records import RecordLinkSerializerMixin
from api.base.serializers import ScopedModelSerializer
from api.v1.base_models.common.choices import CategoryType
from api.v1.base_models.common.serializers import CategoryOfTypeField
from api.v1.base_models.files.models import FileStorage
from api.v1.base_models.files.serializers import VisibleFileField
from api.v1.base_models.files.services import create_file
from api.v1.base_models.files.uploads import check_upload, clean_name
from audit.grouping import one_row_per_record
from rbac.rows import ComputedBooleanField, RecordURLField
from rbac.serializers import ContentTypeField

from . import services
from .models import Document, DocumentVersion

ONE_SOURCE = _("Send either a file (an upload) or file_id (a file already uploaded).")
FILE_ELSEWHERE = _("The file belongs to another organization than the document.")


class VersionSourceMixin(serializers.Serializer):
    """The content of a new version: an upload (`file`, multipart) or a file already
    uploaded to the document's organization (`file_id`)."""

    file = serializers.FileField(
        write_only=True, required=False, help_text=_("The version's content (multipart).")
    )
    file_id = VisibleFileField(
        write_only=True,
        required=False,
        help_text=_("Or the id of a file of the document's organization that you may view."),
    )
    change_note = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500
    )

    def validate_source(self, attrs, organization):
        upload, existing = attrs.get("file"), attrs.get("file_id")
        if (upload is None) == (existing is None):
            raise serializers.ValidationError({"file": [ONE_SOURCE]})
        if existing is not None:
            if existing.organization_id != getattr(organization, "pk", organization):
                raise serializers.ValidationError({"file_id": [FILE_ELSEWHERE]})
            return attrs
        name = clean_name(upload.name or "") or "file"
        try:
            attrs["checked_upload"] = (check_upload(upload, name), name)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"file": exc.detail}) from None
        return attrs

    @staticmethod
    def source_file(attrs, organization) -> FileStorage:
        if attrs.get("file_id") is not None:
            return attrs["file_id"]
        checked, name = attrs["checked_upload"]
        return create_file(attrs["file"], organization, checked, name)


class DocumentVersionSerializer(VersionSourceMixin, serializers.ModelSerializer):
    """A version of a document: its file, number, who added it and why."""

    change_note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    file_id = VisibleFileField(
        required=False,
        help_text=_("The version's file; to add one, a file of the document's organization."),
    )
    file_name = serializers.CharField(source="file.original_name", read_only=True)
    size = serializers.IntegerField(source="file.size", read_only=True)
    mime_type = serializers.CharField(source="file.mime_type", read_only=True)
    checksum = serializers.CharField(source="file.checksum", read_only=True)
    restored_from = serializers.SlugRelatedField(
        slug_field="number",
        read_only=True,
        allow_null=True,
        help_text=_("The number of the version this one restored, if any."),
    )
    is_current = ComputedBooleanField(operator.eq, ["document__current_version_id", "pk"])
    download_url = RecordURLField(
        "api-v1:document-download-version", args=["document_id", "number"]
    )

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "number",
            "file",
            "file_id",
            "file_name",
            "size",
            "mime_type",
            "checksum",
            "change_note",
            "restored_from",
            "is_current",
            "created_by",
            "created_at",
            "download_url",
        ]
        read_only_fields = ["number", "created_by", "created_at"]

    def validate(self, attrs):
        return self.validate_source(attrs, self.context["document"].organization_id)

    def create(self, validated_data):
        document = self.context["document"]
        file = self.source_file(validated_data, document.organization)
        return services.add_version(document, file, note=validated_data.get("change_note", ""))


class DocumentSerializer(RecordLinkSerializerMixin, VersionSourceMixin, ScopedModelSerializer):
    """A document of your organization: metadata, an optional link to a record of the
    same organization that you may view (`content_type` "app_label.model" and
    `object_id`), and its current version. Created with its first version: an upload
    (`file`, multipart) or a file already uploaded (`file_id`)."""

    document_type = CategoryOfTypeField(
        CategoryType.DOCUMENT_TYPE,
        _("a document type"),
        required=False,
        allow_null=True,
        help_text=_("Id of an active category of type DOCUMENT_TYPE."),
    )
    document_type_name = serializers.CharField(
        source="document_type.name", read_only=True, allow_null=True
    )
    content_type = ContentTypeField(
        required=False,
        allow_null=True,
        help_text=_('The type of the record the document is about ("products.product").'),
    )
    object_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=_("The id of that record."),
    )
    version = serializers.IntegerField(
        source="current_version.number", read_only=True, allow_null=True
    )
    current_version = DocumentVersionSerializer(read_only=True, allow_null=True)
    not_linkable = frozenset({"documents.document"})

    class Meta:
        model = Document
        fields = [
            "id",
            "organization",
            "organization_name",
            "title",
            "description",
            "document_type",
            "document_type_name",
            "status",
            "content_type",
            "object_id",
            "version",
            "current_version",
            "file",
            "file_id",
            "change_note",
            "tags",
            "custom_fields",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        organization = attrs.get("organization") or getattr(self.instance, "organization", None)
        self.validate_record_link(attrs, organization)
        if self.instance is None:
            attrs = self.validate_source(attrs, organization)
        return attrs

    def create(self, validated_data):
        source = {key: validated_data.pop(key, None) for key in ("file", "file_id", "change_note")}
        checked = validated_data.pop("checked_upload", None)
        # The document, its first version and its file: one transaction, one audit row
        # for the document (created with its current version).
        with one_row_per_record():
            document = super().create(validated_data)
            file = self.source_file({**source, "checked_upload": checked}, document.organization)
            services.add_version(document, file, note=source["change_note"] or "")
        return document


class DocumentUpdateSerializer(DocumentSerializer):
    """A document's metadata and link: its content changes by new versions."""

    class Meta(DocumentSerializer.Meta):
        fields = [
            name
            for name in DocumentSerializer.Meta.fields
            if name not in ("file", "file_id", "change_note")
        ]
