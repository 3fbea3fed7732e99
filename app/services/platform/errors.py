"""Errors that services raise; each face turns them into its own answer."""


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Invalid(ServiceError):
    """Bad input; `fields` maps a field name to a message in Chinese."""

    status = 400
    code = "invalid"

    def __init__(self, fields: dict[str, str] | str):
        if isinstance(fields, str):
            fields = {"": fields}
        super().__init__("；".join(fields.values()))
        self.fields = fields


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class PermissionDenied(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
