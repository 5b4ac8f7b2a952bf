"""The API's documentation generated from the running code: real exchanges captured on
the demo data (capture), rendered as a Markdown reference with the OpenAPI schema
(markdown). The scenario of calls is in calls."""
