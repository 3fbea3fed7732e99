"""The console's fixtures (a logged-in staff browser) for the counter's page tests."""

from tests.console.conftest import as_staff, console  # noqa: F401
