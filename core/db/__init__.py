"""The project's database backends: Django's own, instrumented (django-prometheus), with
what this project adds to them."""
