from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action

from api.base.views import ScopedModelViewSet
from core.parsers import JSONParser, MultiPartParser

from . import services
from .filters import FileFilter
from .models import FileStorage
from .serializers import FileSerializer, FileUpdateSerializer
from .uploads import AcceptsUploadsMixin

# What a download answers (services.download_response), for the schema.
DOWNLOAD_RESPONSES = {
    (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file's content."),
    302: OpenApiResponse(
        description="On object storage: to a presigned URL of the content that expires "
        "within minutes (the Location header)."
    ),
    (206, "*/*"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The part a Range header asked for."
    ),
    416: OpenApiResponse(description="The Range asked for starts past the end."),
}


class FileViewSet(AcceptsUploadsMixin, ScopedModelViewSet):
    """Files of your organizations. Your role in the file's organization decides what
    you may do (files.view/add/change/delete_filestorage). An upload is
    multipart/form-data; an empty file, a type outside the allowed ones, a name that
    claims another type than the content's, or an infected file is a 400, a file past
    the size limit a 413, and none of them leaves anything stored. A file that a
    document version (or another record) still uses cannot be deleted (409)."""

    schema_tags = ["files"]

    queryset = FileStorage.objects.select_related("organization")
    serializer_class = FileSerializer
    filterset_class = FileFilter
    search_fields = ["original_name"]
    ordering_fields = ["original_name", "size", "mime_type", "created_at", "updated_at"]
    permission_verbs = {"download": "view"}

    def get_parsers(self):
        # An upload is multipart/form-data; the rest of a file (name, tags, custom
        # fields) is changed with JSON.
        method = getattr(getattr(self, "request", None), "method", None)
        if method == "POST":
            return [MultiPartParser()]
        return [JSONParser()] if method else super().get_parsers()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return FileUpdateSerializer
        return super().get_serializer_class()

    @extend_schema(
        summary="Download a file",
        responses=DOWNLOAD_RESPONSES,
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file's content, if your role in its organization may view files at this
        moment: streamed with its name in Content-Disposition, `Range: bytes=...` for a
        part (206), an ETag of its checksum for `If-Range`. On object storage (S3), a
        redirect (302) to a presigned URL of the content, valid for minutes."""
        stored = self.get_object()
        return services.download_response(request, stored)
