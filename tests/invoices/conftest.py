"""The console's fixtures (a logged-in staff browser) for the invoice pages' tests."""

from tests.console.conftest import as_staff, console  # noqa: F401
