"""The project's ASGI handler for HTTP: Django's, sending a streamed response in the
blocks it is made of.

Django's handler cuts every response body into messages of 64 KB (`chunk_size`)
before handing them to the server, so a download streamed in blocks of half a
megabyte (core.downloads) went out as eight messages per block, each a write of its
own to the socket. Messages of the size of a download's blocks halve the time of a
large download (bench/file_transfer.py); a body already in memory takes no more
memory cut in fewer parts.
"""

import django
from django.core.handlers.asgi import ASGIHandler

from .downloads import CHUNK_SIZE


class ProjectASGIHandler(ASGIHandler):
    chunk_size = CHUNK_SIZE


def get_asgi_application() -> ProjectASGIHandler:
    """As django.core.asgi.get_asgi_application(), with the project's handler."""
    django.setup(set_prefix=False)
    return ProjectASGIHandler()
