"""Fixtures of the user app's tests."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png_bytes(width: int = 32, height: int = 32, color=(200, 30, 30)) -> bytes:
    """A real PNG image, made in memory."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def png_upload():
    """png_upload(name="avatar.png", **png_kwargs) -> an uploaded PNG file."""

    def make(name: str = "avatar.png", **kwargs):
        return SimpleUploadedFile(name, png_bytes(**kwargs), content_type="image/png")

    return make
