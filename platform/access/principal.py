"""The principal: who is asking, loaded once per request in a constant number of queries.

A principal is a user (an entity record, which solutions may extend) plus what access
decisions need: the user's teams, business unit and the units below it, roles
(assigned to the user or to one of their teams), and the user's field values for
``$user`` in rules and view filters — including values reached through lookups
(``$user.vendor_org.name``), fetched in the same statement as the user.

Queries, whatever the number of teams, roles or units: the user (with its lookup
paths), the teams, the roles, the unit tree (a recursive CTE). Four.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.metamodel.system_fields import BUSINESS_UNIT_ENTITY, TEAM_ENTITY, USER_ENTITY
from xrm.platform.storage.actor import SYSTEM_ACTOR
from xrm.platform.storage.repository import Repository
from xrm.platform.storage.tables import StorageModel

from .policy import Policy

#: The relation holding team members (declared by the system solution).
MEMBERS_RELATION = "members"


@dataclass(frozen=True)
class Principal:
    """A signed-in user and everything access decisions need about them."""

    user_id: UUID
    email: str
    name: str
    roles: frozenset[str]
    admin: bool
    team_ids: frozenset[UUID]
    business_unit_id: UUID | None
    #: The user's business unit and every unit below it.
    unit_ids: frozenset[UUID]
    #: ``$user`` as rules and view filters see it: the user's fields, and for each lookup
    #: path they use, a nested mapping (``{"vendor_org": {"id": …, "name": …}}``).
    attributes: Mapping[str, object] = field(default_factory=dict)

    def params(self) -> dict[str, object]:
        """Expression parameters for this principal: ``{"user": attributes}``."""
        return {"user": self.attributes}


def user_attributes(record: Mapping[str, Any], paths: Iterable[str]) -> dict[str, object]:
    """``$user`` values from a user record read with ``include=paths``.

    A money value stands for its amount (what a comparison in a rule means). A lookup
    followed by a path becomes a mapping holding its ``id`` and the values reached.
    """
    wanted = set(paths)
    attributes: dict[str, object] = {
        name: _param(value) for name, value in record.items() if name not in wanted
    }
    for path in sorted(wanted, key=lambda p: p.count(".")):
        *hops, last = path.split(".")
        node = attributes
        for hop in hops:
            current = node.get(hop)
            if not isinstance(current, dict):
                current = {"id": current}
                node[hop] = current
            node = current
        node[last] = _param(record.get(path))
    return attributes


def _param(value: object) -> object:
    if isinstance(value, Mapping) and "amount" in value and "currency" in value:
        return value["amount"]
    return value


def with_prefixes(paths: Iterable[str]) -> frozenset[str]:
    """Every lookup path and its shorter lookup prefixes (``a.b.c`` -> ``a.b``, ``a.b.c``)."""
    found: set[str] = set()
    for path in paths:
        parts = path.split(".")
        for end in range(2, len(parts) + 1):
            found.add(".".join(parts[:end]))
    return frozenset(found)


def load_principal(
    connection: Connection,
    storage: StorageModel,
    policy: Policy,
    user_id: UUID,
    *,
    user_paths: Iterable[str] = (),
) -> Principal | None:
    """The principal of user ``user_id``, or None if there is no such active user."""
    includes = sorted(with_prefixes(user_paths))
    platform = Repository(connection, storage, SYSTEM_ACTOR)
    record = platform.get(USER_ENTITY, user_id, include=includes)
    if record is None or record.get("active") is False:
        return None
    team_ids = _teams(connection, storage, user_id)
    roles = _roles(connection, storage, policy, user_id, team_ids)
    unit = record.get("business_unit")
    assert unit is None or isinstance(unit, UUID)
    units = _unit_tree(connection, storage, unit) if unit is not None else frozenset()
    return Principal(
        user_id=user_id,
        email=str(record.get("email") or ""),
        name=str(record.get("name") or ""),
        roles=roles,
        admin=policy.is_admin(roles),
        team_ids=team_ids,
        business_unit_id=unit,
        unit_ids=units,
        attributes=MappingProxyType(user_attributes(record, includes)),
    )


def members_table(storage: StorageModel) -> sa.Table | None:
    """The team membership junction (``team.members``), if the registry has one."""
    junction = storage.junctions.get((TEAM_ENTITY, MEMBERS_RELATION))
    return None if junction is None else junction.table


def _teams(connection: Connection, storage: StorageModel, user_id: UUID) -> frozenset[UUID]:
    members = members_table(storage)
    if members is None:
        return frozenset()
    rows = connection.execute(sa.select(members.c.source).where(members.c.target == user_id))
    return frozenset(row[0] for row in rows)


def _roles(
    connection: Connection,
    storage: StorageModel,
    policy: Policy,
    user_id: UUID,
    team_ids: frozenset[UUID],
) -> frozenset[str]:
    assignments = storage.system.role_assignment
    who = assignments.c.user_id == user_id
    if team_ids:
        who = sa.or_(who, assignments.c.team_id.in_(sorted(team_ids)))
    rows = connection.execute(sa.select(assignments.c.role).where(who).distinct())
    # A role no longer declared (removed from the YAML) grants nothing.
    return frozenset(row[0] for row in rows if row[0] in policy.registry.roles)


def _unit_tree(connection: Connection, storage: StorageModel, unit: UUID) -> frozenset[UUID]:
    """``unit`` and every unit below it, in one recursive query (safe against cycles)."""
    units = storage.table(BUSINESS_UNIT_ENTITY)
    parent = storage.column(BUSINESS_UNIT_ENTITY, "parent").name
    tree = sa.select(units.c.id).where(units.c.id == unit).cte("unit_tree", recursive=True)
    child = units.alias("child")
    # UNION (not UNION ALL) drops rows already seen, so a cycle in the tree ends the walk.
    tree = tree.union(sa.select(child.c.id).where(child.c[parent] == tree.c.id))
    return frozenset(row[0] for row in connection.execute(sa.select(tree.c.id)))
