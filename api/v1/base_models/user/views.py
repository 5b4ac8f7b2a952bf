from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound
from rest_framework.generics import RetrieveUpdateAPIView
from rest_framework.views import APIView

from api.v1.base_models.files.uploads import AcceptsUploadsMixin
from api.v1.base_models.files.views import DOWNLOAD_RESPONSES

from .models import UserProfile
from .serializers import UserProfileSerializer
from .services import colleagues, get_profile, picture_response


@extend_schema_view(
    get=extend_schema(summary="Read my profile", tags=["profiles"]),
    put=extend_schema(summary="Replace my profile", tags=["profiles"]),
    patch=extend_schema(summary="Update my profile", tags=["profiles"]),
)
class MyProfileView(AcceptsUploadsMixin, RetrieveUpdateAPIView):
    """The authenticated user's own profile.

    JSON for every field; `multipart/form-data` to upload `profile_picture`.
    """

    serializer_class = UserProfileSerializer
    upload_methods = ("PUT", "PATCH")

    def get_object(self):
        return get_profile(self.request.user)


class ProfilePictureView(APIView):
    """A user's profile picture, for the user and their colleagues (users sharing an
    organization with them; superusers: anyone's); 404 for anyone else and where there
    is no picture. Streamed (or, on object storage, a redirect to a presigned URL)."""

    @extend_schema(
        summary="Download a profile picture", tags=["profiles"], responses=DOWNLOAD_RESPONSES
    )
    def get(self, request, user_id):
        if user_id == request.user.pk:
            profile = get_profile(request.user)
        elif user_id < 2**63 and colleagues(request.user).filter(pk=user_id).exists():
            profile = UserProfile.objects.select_related("user").filter(user_id=user_id).first()
        else:
            profile = None
        if profile is None or not profile.profile_picture:
            raise NotFound()
        return picture_response(request, profile)
