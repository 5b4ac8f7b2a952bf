from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.base.views import ScopedModelViewSet
from api.v1.base_models.files import services as file_services
from api.v1.base_models.files.uploads import AcceptsUploadsMixin
from api.v1.base_models.files.views import DOWNLOAD_RESPONSES
from core.parsers import JSONParser, MultiPartParser

from . import services
from .filters import DocumentFilter
from .models import Document
from .serializers import DocumentSerializer, DocumentUpdateSerializer, DocumentVersionSerializer

NUMBER = OpenApiParameter(
    "number", OpenApiTypes.INT, OpenApiParameter.PATH, description="The version's number."
)
VERSION_ACTIONS = ("versions", "add_version", "restore_version", "download_version")
RESTORE_NOTE = {
    "type": "object",
    "properties": {"change_note": {"type": "string", "maxLength": 500}},
}


class DocumentViewSet(AcceptsUploadsMixin, ScopedModelViewSet):
    """Documents of your organizations, each with a chain of versions. Your role in the
    document's organization decides what you may do (documents.view/add/change/
    delete_document): viewing lists and downloads versions, changing adds and restores
    them. A document about a record (`content_type`, `object_id`) must be about one you
    may view, in the same organization. `?content_type=products.product&object_id=7`
    lists the documents of a record."""

    schema_tags = ["documents"]

    queryset = Document.objects.select_related(
        "organization",
        "document_type",
        "content_type",
        "current_version__file",
        "current_version__document",
    )
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    search_fields = ["title", "description"]
    ordering_fields = ["title", "status", "created_at", "updated_at"]
    permission_verbs = {
        "versions": "view",
        "add_version": "change",
        "download_version": "view",
        "restore_version": "change",
    }

    def get_parsers(self):
        # A document or a version is created with an upload (multipart) or the id of a
        # file already uploaded (JSON); the rest is JSON.
        method = getattr(getattr(self, "request", None), "method", None)
        if method == "POST":
            return [MultiPartParser(), JSONParser()]
        return [JSONParser()] if method else super().get_parsers()

    def get_permission_model(self):
        return Document  # versions too: they are read and added through the document

    def filter_queryset(self, queryset):
        # The list's filters are the documents'; a version's route finds its document
        # by id alone.
        if self.action in VERSION_ACTIONS:
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return DocumentUpdateSerializer
        if self.action in VERSION_ACTIONS:
            return DocumentVersionSerializer
        return super().get_serializer_class()

    def _version(self, number):
        document = self.get_object()
        return get_object_or_404(
            document.versions.select_related("file", "document", "restored_from"),
            number=number,
        )

    @extend_schema(
        summary="List the versions of a document",
        responses=DocumentVersionSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        """The document's versions, newest first, each with its file and a download
        link."""
        document = self.get_object()
        versions = document.versions.select_related("file", "document", "restored_from")
        page = self.paginate_queryset(versions)
        serializer = DocumentVersionSerializer(
            page, many=True, context=self.get_serializer_context()
        )
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        summary="Add a version to a document",
        request=DocumentVersionSerializer,
        responses={201: DocumentVersionSerializer},
    )
    @versions.mapping.post
    def add_version(self, request, pk=None):
        """A new version, made the current one: an upload (`file`, multipart) or a
        file already uploaded to the document's organization (`file_id`), with an
        optional `change_note`."""
        document = self.get_object()
        serializer = DocumentVersionSerializer(
            data=request.data, context={**self.get_serializer_context(), "document": document}
        )
        serializer.is_valid(raise_exception=True)
        version = serializer.save()
        return Response(
            DocumentVersionSerializer(version, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Restore a version of a document",
        parameters=[NUMBER],
        request={"application/json": RESTORE_NOTE},
        responses={201: DocumentVersionSerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"versions/(?P<number>\d+)/restore")
    def restore_version(self, request, pk=None, number=None):
        """Make this version's file current again, as a new version (the history keeps
        every version; the new one says which it restored)."""
        version = self._version(number)
        note = request.data.get("change_note", "") if isinstance(request.data, dict) else ""
        if not isinstance(note, str) or len(note) > 500:
            return Response(
                {"change_note": [_("A text of at most 500 characters.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        restored = services.restore_version(version, note=note)
        return Response(
            DocumentVersionSerializer(restored, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Download a version of a document",
        parameters=[NUMBER],
        responses=DOWNLOAD_RESPONSES,
    )
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>\d+)/download")
    def download_version(self, request, pk=None, number=None):
        """The file of this version, if you may view the document (as the files
        download: Range, or a presigned redirect on object storage)."""
        return file_services.download_response(request, self._version(number).file)
