from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.generics import RetrieveUpdateAPIView

from .serializers import UserProfileSerializer
from .services import get_profile


@extend_schema_view(
    get=extend_schema(summary="Read my profile", tags=["profiles"]),
    put=extend_schema(summary="Replace my profile", tags=["profiles"]),
    patch=extend_schema(summary="Update my profile", tags=["profiles"]),
)
class MyProfileView(RetrieveUpdateAPIView):
    """The authenticated user's own profile.

    JSON for every field; `multipart/form-data` to upload `profile_picture`.
    """

    serializer_class = UserProfileSerializer

    def get_object(self):
        return get_profile(self.request.user)
