from .context import REQUEST_ID_HEADER, request_id_of


class RequestIdMiddleware:
    """Gives every request an id (a valid incoming X-Request-ID is kept), returned in
    the X-Request-ID response header and stored with the audit rows of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_of(request)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response
