"""Coupon tests: the driver through the WeChat sandbox, and staff through the console, as the API
and console tests have them."""

from tests.api.conftest import driver  # noqa: F401
from tests.console.conftest import as_staff, console  # noqa: F401
