"""What the access layer refuses on purpose, worded with the fix."""

from __future__ import annotations


class AccessError(Exception):
    """Base of the access layer's own errors (unknown role, weak password, unknown user).

    A denied action on records is :class:`xrm.platform.storage.errors.Forbidden`, raised by
    the repository, so every channel maps one error class to FORBIDDEN.
    """

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        self.message = message
        self.suggestion = suggestion
        super().__init__(f"{message} ({suggestion})" if suggestion else message)
