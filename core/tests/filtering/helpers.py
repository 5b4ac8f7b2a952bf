"""Requests with `?filter=` and what their answers say."""

import json


def cond(field, op, value):
    return {"field": field, "op": op, "value": value}


def get_filtered(client, url, definition, **params):
    """GET `url` with `definition` as the filter (JSON, URL-encoded by the client)."""
    raw = definition if isinstance(definition, str) else json.dumps(definition)
    return client.get(url, {"filter": raw, "page_size": 100, **params})


def listed(response) -> list:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def listed_set(response) -> set:
    rows = listed(response)
    assert len(rows) == len(set(rows)), f"rows repeated: {rows}"
    return set(rows)


def filter_error(response) -> str:
    """The one message of a 400 about the filter."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == ["filter"], body
    (message,) = body["filter"]
    return message
