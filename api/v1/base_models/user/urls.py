from django.urls import path

from .views import MyProfileView, ProfilePictureView

urlpatterns = [
    path("profiles/me/", MyProfileView.as_view(), name="my-profile"),
    path("profiles/<int:user_id>/picture/", ProfilePictureView.as_view(), name="profile-picture"),
]
