"""Errors that services raise; routes turn them into Chinese messages and 4xx statuses."""


class ServiceError(Exception):
    """A request the current state or input does not allow (answered with 400 or 409)."""

    status = 400

    def __init__(self, message: str | list[str], field: str | None = None,
                 problems: list[tuple[str | None, str]] | None = None):
        """`message` may be a list: every problem of one input, reported together. `problems`, when
        given, are (field, message) pairs over several fields, each shown next to its own field."""
        self.messages = [message] if isinstance(message, str) else list(message)
        self.message = " ".join(self.messages)
        super().__init__(self.message)
        self.field = field
        self.problems = list(problems or [])


class PermissionDenied(ServiceError):
    """The acting user may not do this (403)."""

    status = 403


class InvalidTransition(ServiceError):
    """The object's state does not allow this change (409)."""

    status = 409


class NotFound(ServiceError):
    status = 404
