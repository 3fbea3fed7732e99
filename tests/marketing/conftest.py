"""Coupon tests: the driver through the WeChat sandbox, as the API tests have it."""

from tests.api.conftest import driver  # noqa: F401
