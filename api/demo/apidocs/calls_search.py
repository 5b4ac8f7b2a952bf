"""The search's examples: every kind of record at once, then only products with a tag,
and what autocomplete suggests as a word is typed. As the demo user."""

from .capture import Call

CALLS = [
    Call(
        "Search every kind of record (ranked, with snippets and facets)",
        "GET",
        "/api/v1/search/",
        query={"q": "ergonomic chair"},
    ),
    Call(
        "Search only products, with a tag",
        "GET",
        "/api/v1/search/",
        query={"q": "desk", "type": "product", "tags": "ergonomic"},
    ),
    Call(
        "Suggest records as the user types",
        "GET",
        "/api/v1/search/autocomplete/",
        query={"q": "ergo"},
    ),
    Call(
        "A query without a word is refused",
        "GET",
        "/api/v1/search/",
        query={"q": "*"},
        status=400,
    ),
]
