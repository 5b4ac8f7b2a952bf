"""The fixtures every test package shares live in one pytest plugin, tests/plugin.py."""

pytest_plugins = ["tests.plugin"]
