"""Row access: a principal's scopes, rules and shares -> ONE SQL predicate per entity and action.

For a principal, an entity and an action, each role granting the action contributes
``scope AND its rules`` (rules narrow a scope, they never widen it); the roles'
contributions are ORed (roles add up), and so are the records shared with the user or
one of their teams. The result is a SQLAlchemy expression over the entity's table or
an alias of it — bound parameters and subqueries only — that the repository ANDs
into its statement, so access costs no extra statement and no row is checked in
Python.

Scopes, narrowest first:

==============================  ==============================================================
``own``                          owner is the user or one of the user's teams
``team``                         ``own``, or owned by a member of one of the user's teams
``business_unit``                the record's business unit is the user's
``business_unit_and_children``   that unit or one below it
``all``                          every record
==============================  ==============================================================

Rules are expressions over the record and ``$user`` (``region = $user.region``,
``vendor = $user.vendor_org``); ``$user`` values are bound parameters taken from the
principal, never text in the SQL. They are checked once, when the Registry is loaded,
and compiled without the reader's row filter: a rule may look at any record it names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Final

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from xrm.metamodel.expression_types import Checked, Resolved, check
from xrm.metamodel.expressions import parse
from xrm.metamodel.schema import EntityDef
from xrm.metamodel.scopes import ParamEntityScope
from xrm.metamodel.system_fields import TEAM_ENTITY, USER_ENTITY
from xrm.metamodel.types import Ownership, Scope, ValueType
from xrm.platform.storage import naming
from xrm.platform.storage.actor import Action
from xrm.platform.storage.sql_expressions import ExpressionCompiler
from xrm.platform.storage.tables import StorageModel

from .policy import Policy
from .principal import Principal, members_table

#: The share levels that open a record for each action (write includes read).
SHARE_LEVELS: Final[Mapping[Action, tuple[str, ...]]] = {
    "read": ("read", "write"),
    "update": ("write",),
}
#: The actions rules may narrow (``RowRule`` has these keys).
RULE_ACTIONS: Final[tuple[Action, ...]] = ("read", "update", "delete")

Predicate = ColumnElement[bool]


class _RecordingScope(ParamEntityScope):
    """Resolves ``$user`` like the validator does, remembering every path used."""

    def __init__(self, entities: Mapping[str, EntityDef], entity: str) -> None:
        super().__init__(entities, entity, {"user": USER_ENTITY})
        self.paths: set[str] = set()

    def param(self, path: tuple[str, ...], pos: int) -> Resolved:
        if path[0] == "user" and len(path) > 1:
            self.paths.add(".".join(path[1:]))
        return super().param(path, pos)


class RowRules:
    """Compiles row predicates for the roles of one storage model's Registry."""

    def __init__(self, storage: StorageModel, policy: Policy) -> None:
        self.storage = storage
        self.policy = policy
        registry = storage.registry
        # Unscoped on purpose: a rule's own lookups see every row (and cannot recurse).
        self._compiler = ExpressionCompiler(storage)
        self._rules: dict[tuple[str, str, Action], list[Checked]] = {}
        paths: set[str] = set()
        for role in registry.roles.values():
            for rule in role.rules:
                for action in RULE_ACTIONS:
                    text: str | None = getattr(rule, action)
                    if text is None:
                        continue
                    scope = _RecordingScope(registry.entities, rule.entity)
                    checked = check(parse(text), scope, expect=ValueType.BOOLEAN)
                    self._rules.setdefault((role.role, rule.entity, action), []).append(checked)
                    paths |= scope.paths
        for view in registry.views.values():
            if view.filter:
                scope = _RecordingScope(registry.entities, view.entity)
                check(parse(view.filter), scope, expect=ValueType.BOOLEAN)
                paths |= scope.paths
        #: The ``$user`` paths through lookups that rules and views use (``vendor_org.name``):
        #: a principal is loaded with their values.
        self.user_paths: frozenset[str] = frozenset(p for p in paths if "." in p)
        self._scopes: dict[Scope, Callable[[Principal, str, FromClause], Predicate | None]] = {
            Scope.NONE: lambda principal, entity, source: sa.false(),
            Scope.OWN: lambda principal, entity, source: self._owned(
                principal, entity, source, teammates=False
            ),
            Scope.TEAM: lambda principal, entity, source: self._owned(
                principal, entity, source, teammates=True
            ),
            Scope.BUSINESS_UNIT: self._business_unit,
            Scope.BUSINESS_UNIT_AND_CHILDREN: self._unit_tree,
            Scope.ALL: lambda principal, entity, source: None,
        }

    def predicate(
        self, principal: Principal, action: Action, entity: str, source: FromClause
    ) -> Predicate | None:
        """The rows of ``source`` ``principal`` may ``action``; None means all of them."""
        if principal.admin:
            return None
        branches: list[Predicate] = []
        for role, scope in self.policy.grants(principal.roles, entity, action).items():
            parts = [
                part
                for part in (
                    self._scopes[scope](principal, entity, source),
                    *self._role_rules(principal, role, entity, action, source),
                )
                if part is not None
            ]
            if not parts:
                return None  # this role reaches every row: nothing to narrow
            branches.append(sa.and_(*parts))
        if branches and action in SHARE_LEVELS:
            branches.append(self._shared(principal, action, entity, source))
        if entity == USER_ENTITY and action == "read":
            # Everyone may read their own user record (``me``, ``created_by.name``).
            branches.append(source.c.id == principal.user_id)
        if not branches:
            return sa.false()
        return branches[0] if len(branches) == 1 else sa.or_(*branches)

    # ------------------------------------------------------------------ scopes

    def _owned(
        self, principal: Principal, entity: str, source: FromClause, *, teammates: bool
    ) -> Predicate:
        ownership = self.storage.registry.entity(entity).ownership
        teams = sorted(principal.team_ids)
        if ownership is Ownership.TEAM:
            return source.c[self.storage.column(entity, "owner").name].in_(teams)
        if ownership is not Ownership.USER:
            return sa.false()  # no owner: the validator refuses own/team for these
        by_user = source.c[naming.polymorphic_column("owner", USER_ENTITY)]
        by_team = source.c[naming.polymorphic_column("owner", TEAM_ENTITY)]
        owned = [by_user == principal.user_id, by_team.in_(teams)]
        members = members_table(self.storage)
        if teammates and members is not None and teams:
            fellows = sa.select(members.c.target).where(members.c.source.in_(teams))
            owned.append(by_user.in_(fellows))
        return sa.or_(*owned)

    def _business_unit(
        self, principal: Principal, entity: str, source: FromClause
    ) -> Predicate | None:
        if "business_unit" not in source.c or principal.business_unit_id is None:
            return sa.false()
        return source.c.business_unit == principal.business_unit_id

    def _unit_tree(self, principal: Principal, entity: str, source: FromClause) -> Predicate | None:
        if "business_unit" not in source.c or not principal.unit_ids:
            return sa.false()
        return source.c.business_unit.in_(sorted(principal.unit_ids))

    # ------------------------------------------------------------ rules, shares

    def _role_rules(
        self, principal: Principal, role: str, entity: str, action: Action, source: FromClause
    ) -> Iterable[Predicate]:
        rules = self._rules.get((role, entity, action))
        if not rules:
            return []
        compiler = self._compiler.with_params(principal.params())
        # A rule that is unknown (NULL) for a record does not let it through: predicates
        # are only ever ANDed and ORed, never negated.
        return [compiler.compile(rule, entity, source) for rule in rules]

    def _shared(
        self, principal: Principal, action: Action, entity: str, source: FromClause
    ) -> Predicate:
        shares = self.storage.system.record_share
        who = shares.c.user_id == principal.user_id
        if principal.team_ids:
            who = sa.or_(who, shares.c.team_id.in_(sorted(principal.team_ids)))
        granted = sa.select(shares.c.record_id).where(
            shares.c.entity == entity, shares.c.level.in_(SHARE_LEVELS[action]), who
        )
        return source.c.id.in_(granted)
