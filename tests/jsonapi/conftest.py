"""Both faces' helpers: a driver through the WeChat sandbox, a handheld that keeps its session."""

from tests.api.conftest import driver  # noqa: F401
from tests.attendant.conftest import attendant, handheld  # noqa: F401
