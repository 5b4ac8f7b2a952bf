"""The API's request parsers: DRF's, refusing what cannot be stored (core.inputs).

Every body a view reads goes through one of them, so no endpoint, present or future,
sees a NUL, a lone surrogate, an infinite number or JSON nested past JSON_MAX_DEPTH:
the request is a 400 naming the field before any validation or write runs.
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from .inputs import form_errors, json_errors


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - nested too deeply.")) from None
        errors = json_errors(data)
        if errors:
            raise ValidationError(errors)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        errors = form_errors(data)
        if errors:
            raise ValidationError(errors)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        errors = form_errors(parsed.data)
        if errors:
            raise ValidationError(errors)
        return parsed
