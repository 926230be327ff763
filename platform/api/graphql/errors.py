"""GraphQL errors: what the client sees, with ``extensions.code``, and nothing internal.

Codes:

``VALIDATION``   input values refused; ``extensions.fields`` lists each problem with
                 its input path (``["input", "closeDate"]``, ``["inputs", 3, "name"]``)
``NOT_FOUND``    no such record (or none the caller may see)
``CONFLICT``     a stale ``expectedVersion``, a delete other records still need, or a
                 concurrent change
``FORBIDDEN``    the caller's roles do not allow it
``BAD_REQUEST``  a malformed request: document, variables, filter, cursor, limits
``INTERNAL``     anything unexpected: logged with its traceback, shown only as
                 "internal error" (never a traceback or SQL text)

Resolvers raise :class:`ApiError` (or let a storage error through, translated by
:func:`from_storage`); :func:`format_error` renders every error of a result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Final

from graphql import GraphQLError

from xrm.platform.storage.errors import (
    BatchValidationFailed,
    ConflictError,
    DeleteRestricted,
    FieldError,
    Forbidden,
    NotFoundError,
    QueryError,
    StorageError,
    ValidationFailed,
    WriteRefused,
)

LOG: Final = logging.getLogger("xrm.api.graphql")

#: One path element of an input path: a field name or a list position.
PathPart = str | int


class ApiError(Exception):
    """An error meant for the client: a message, a code and optional details."""

    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, message: str, *, suggestion: str | None = None, **details: Any) -> None:
        self.message = message + (f" ({suggestion})" if suggestion else "")
        self.details = details
        super().__init__(self.message)

    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, **self.details}


class BadRequest(ApiError):
    code = "BAD_REQUEST"


class Invalid(ApiError):
    code = "VALIDATION"


class NotFound(ApiError):
    code = "NOT_FOUND"


class Conflict(ApiError):
    code = "CONFLICT"


class Denied(ApiError):
    code = "FORBIDDEN"


#: Storage field name -> GraphQL input path (for validation errors).
InputPath = Callable[[str], list[PathPart]]


def _fields(errors: Sequence[FieldError], path: InputPath) -> list[dict[str, Any]]:
    return [
        {"path": path(error.field), "code": error.code, "message": error.message}
        for error in errors
    ]


def from_storage(exc: StorageError, path: InputPath | None = None) -> ApiError:
    """The client's view of a storage error; ``path`` maps a field to its input path."""
    where: InputPath = path or (lambda name: [name] if name else [])
    if isinstance(exc, BatchValidationFailed):
        problems = [
            entry
            for failure in exc.failures
            for entry in _fields(failure.errors, _row_path(where, failure.row))
        ]
        count = len(exc.failures)
        return Invalid(
            f"{count} of the {exc.entity} records {'is' if count == 1 else 'are'} invalid; "
            "nothing was written",
            fields=problems,
        )
    if isinstance(exc, ValidationFailed):
        listed = "; ".join(str(error) for error in exc.errors)
        return Invalid(f"invalid {exc.entity}: {listed}", fields=_fields(exc.errors, where))
    if isinstance(exc, NotFoundError):
        return NotFound(str(exc), entity=exc.entity, id=str(exc.id))
    if isinstance(exc, ConflictError):
        return Conflict(str(exc), expectedVersion=exc.expected, currentVersion=exc.current)
    if isinstance(exc, DeleteRestricted):
        references = [
            {"entity": r.entity, "field": r.field, "count": r.count} for r in exc.references
        ]
        return Conflict(str(exc), references=references)
    if isinstance(exc, WriteRefused):
        return Conflict(
            f"the change to {exc.entity} conflicts with another change; retry it",
        )
    if isinstance(exc, Forbidden):
        return Denied(str(exc), fields=list(exc.fields))
    if isinstance(exc, QueryError):
        return BadRequest(exc.message, suggestion=exc.suggestion)
    return BadRequest(str(exc))


def _row_path(where: InputPath, row: int | None) -> InputPath:
    """Paths into one item of a list argument (``["inputs", 3, "name"]``)."""

    def path(name: str) -> list[PathPart]:
        found = where(name)
        if row is None or not found:
            return found
        return [found[0], row, *found[1:]]

    return path


def format_error(error: GraphQLError) -> dict[str, Any]:
    """One error of a result as JSON; unexpected errors are logged and masked."""
    original = error.original_error
    if isinstance(original, ApiError):
        return _shaped(error, original.message, original.extensions())
    if isinstance(original, StorageError):
        translated = from_storage(original)
        return _shaped(error, translated.message, translated.extensions())
    if original is None or error.path is None:
        # Before execution (syntax, validation, variable values): the request is at fault.
        return _shaped(error, error.message, {"code": "BAD_REQUEST"})
    if isinstance(original, GraphQLError):
        return format_error(original)
    LOG.error("unexpected error in %s", error.path, exc_info=original)
    return _shaped(error, "internal error; it has been logged", {"code": "INTERNAL"})


def _shaped(error: GraphQLError, message: str, extensions: Mapping[str, Any]) -> dict[str, Any]:
    shaped: dict[str, Any] = {"message": message}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path is not None:
        shaped["path"] = list(error.path)
    shaped["extensions"] = dict(extensions)
    return shaped
