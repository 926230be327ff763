"""Who is reading or writing: passed explicitly to every repository, never ambient.

Today the repository uses the actor to stamp ``created_by``/``modified_by`` and to
default ``owner``. The access-control layer will extend what an actor carries
(roles, teams, business unit) and turn it into the row predicate the repository
ANDs into every read, update and delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from uuid import UUID


@dataclass(frozen=True)
class Actor:
    """The principal behind a repository call; ``user_id`` is None for the platform itself."""

    user_id: UUID | None = None


#: Writes made by the platform itself (demo data, solution install, migrations).
SYSTEM_ACTOR: Final = Actor(user_id=None)
