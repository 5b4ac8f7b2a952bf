"""Advanced filtering: `?filter=<URL-encoded JSON>` on list endpoints.

- parser: the filter language, a JSON definition -> a Q object (InvalidFilterError).
- paths: the allowed field paths of a view and what they lead to.
- values: values checked and converted for their field.
- backends: JSONFilterBackend, the DRF filter backend reading `?filter=`.
"""

from .parser import InvalidFilterError, parse_filter

__all__ = ["InvalidFilterError", "parse_filter"]
