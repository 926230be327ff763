"""What the repository raises: one base, each error saying which record, what, and the fix.

Every channel (GraphQL, screens, import, automation) turns these into its own
shape (a GraphQL error path, a form field message, an import row report), so they
carry structured data (entity, id, field, code) and a readable message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID


class StorageError(Exception):
    """Base of every error the storage layer raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    """One problem with one input value. ``field`` is empty for record-level problems."""

    field: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationFailed(StorageError):
    """The values for one record were refused; ``errors`` lists every problem, not the first.

    ``row`` is the position of the record in a batch (``create_many``), else None.
    """

    def __init__(self, entity: str, errors: Sequence[FieldError], *, row: int | None = None):
        self.entity = entity
        self.errors = tuple(errors)
        self.row = row
        where = f"{entity} (row {row})" if row is not None else entity
        lines = "\n".join(f"  - {error}" for error in self.errors)
        super().__init__(f"invalid values for {where}:\n{lines}")

    def codes(self) -> dict[str, str]:
        """``{field: code}`` of the first problem per field (handy for forms and tests)."""
        found: dict[str, str] = {}
        for error in self.errors:
            found.setdefault(error.field, error.code)
        return found


class BatchValidationFailed(StorageError):
    """Some records of a batch were refused; nothing of the batch was written."""

    def __init__(self, entity: str, failures: Sequence[ValidationFailed]):
        self.entity = entity
        self.failures = tuple(failures)
        count = len(self.failures)
        head = f"{count} of the {entity} records in the batch {'is' if count == 1 else 'are'} "
        super().__init__(head + "invalid\n" + "\n".join(str(f) for f in self.failures))


class NotFoundError(StorageError):
    """No record with that id (or none the actor may see)."""

    def __init__(self, entity: str, id: UUID):
        self.entity = entity
        self.id = id
        super().__init__(
            f"{entity} {id} does not exist (or you may not see it); check the id, "
            "or reload: it may have been deleted"
        )


class ConflictError(StorageError):
    """The record changed since it was read (optimistic concurrency)."""

    def __init__(self, entity: str, id: UUID, expected: int, current: int):
        self.entity = entity
        self.id = id
        self.expected = expected
        self.current = current
        super().__init__(
            f"{entity} {id} was changed by someone else: you edited version {expected}, "
            f"it is now at version {current}; reload the record and apply your change again"
        )


@dataclass(frozen=True)
class Reference:
    """Records of ``entity`` that point at a record through ``field``."""

    entity: str
    field: str
    count: int


class DeleteRestricted(StorageError):
    """A delete refused because other records still refer to the record."""

    def __init__(self, entity: str, id: UUID, references: Sequence[Reference]):
        self.entity = entity
        self.id = id
        self.references = tuple(references)
        if self.references:
            described = "; ".join(
                f"{r.count} {r.entity} record{'s' if r.count != 1 else ''} through {r.field!r}"
                for r in self.references
            )
            message = (
                f"cannot delete {entity} {id}: it is still referenced by {described} "
                "(on_delete: restrict); delete or reassign those records first"
            )
        else:
            message = (
                f"cannot delete {entity} {id}: records deleted along with it (on_delete: "
                "cascade) are still referenced elsewhere; delete or reassign those first"
            )
        super().__init__(message)


class QueryError(StorageError):
    """A filter, sort key, cursor or relation name the repository cannot use.

    For expressions, ``text`` and ``pos`` point at the offending character.
    """

    def __init__(
        self,
        message: str,
        *,
        text: str | None = None,
        pos: int | None = None,
        suggestion: str | None = None,
    ):
        self.message = message
        self.text = text
        self.pos = pos
        self.suggestion = suggestion
        rendered = message
        if suggestion:
            rendered += f" ({suggestion})"
        if text is not None and pos is not None:
            rendered += f"\n  {text}\n  {' ' * pos}^"
        super().__init__(rendered)


class WriteRefused(StorageError):
    """The database refused a write for a reason the checks above it did not foresee."""

    def __init__(self, entity: str, detail: str):
        self.entity = entity
        self.detail = detail
        super().__init__(
            f"the database refused the write to {entity}: {detail}; "
            "this usually means a concurrent change, so retry the operation"
        )


class Forbidden(StorageError):
    """The actor may not do this at all: no role grants the action, or a field is protected.

    A record outside the actor's row scope is not Forbidden but :class:`NotFoundError`,
    so a refusal never reveals that a record exists. ``fields`` names the protected
    fields when the refusal is about fields (channels mark them on the form).
    """

    def __init__(
        self,
        action: str,
        entity: str,
        *,
        fields: Sequence[str] = (),
        message: str | None = None,
    ):
        self.action = action
        self.entity = entity
        self.fields = tuple(fields)
        if message is None:
            if self.fields:
                names = ", ".join(repr(f) for f in self.fields)
                message = (
                    f"you may not {action} {names} of {entity}: your roles protect "
                    f"{'these fields' if len(self.fields) > 1 else 'this field'}; leave "
                    f"{'them' if len(self.fields) > 1 else 'it'} out"
                )
            else:
                message = (
                    f"none of your roles allows you to {action} {entity} records; "
                    "ask an administrator for a role that grants it"
                )
        super().__init__(message)
