"""Field rules: which fields a principal may not read, and which it may not write.

A role hides a field with ``fields: {opportunity.margin: {read: false}}`` and freezes
one with ``{update: false}``. Roles add up: a field is hidden only if every role that
lets the principal read the entity hides it (a role granting nothing on the entity
has no say). A hidden field is also not writable; a frozen one is readable, and may be
given when a record is created but not changed afterwards.

Hiding follows values wherever they go: a formula computed from a hidden field
(``margin / amount``), a rollup aggregating or filtering on one, or a path through a
hidden lookup (``account.vat_number`` when ``account`` is hidden) is hidden too —
otherwise the value would leak through the computation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Final

from xrm.metamodel.expressions import ExpressionError, field_refs, parse
from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import FormulaField, RollupField
from xrm.metamodel.scopes import relation_target, resolve_path
from xrm.platform.storage.actor import Action

from .policy import Policy

#: The actions that write field values.
_WRITE_ACTIONS: Final = frozenset({"create", "update", "assign"})


class FieldRules:
    """Hidden and frozen fields of one Registry's roles, per set of roles (cached)."""

    def __init__(self, registry: Registry, policy: Policy) -> None:
        self.registry = registry
        self.policy = policy
        # What each computed field reads: (entity, field) -> every hop it depends on.
        self._depends: dict[tuple[str, str], frozenset[tuple[str, str]]] = {}
        for entity in registry.entities.values():
            for name, field in entity.fields.items():
                if isinstance(field, FormulaField | RollupField):
                    self._depends[(entity.entity, name)] = frozenset(
                        self._dependencies(entity.entity, field)
                    )
        self._hidden: dict[frozenset[str], Mapping[str, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def hidden(self, roles: frozenset[str], entity: str) -> frozenset[str]:
        """Fields of ``entity`` hidden from a principal with ``roles``."""
        found = self._hidden.get(roles)
        if found is None:
            with self._lock:
                found = self._hidden_everywhere(roles)
            self._hidden[roles] = found
        return found.get(entity, frozenset())

    def unwritable(self, roles: frozenset[str], entity: str, action: Action) -> frozenset[str]:
        """Fields of ``entity`` a principal with ``roles`` may not set when doing ``action``."""
        if action not in _WRITE_ACTIONS:
            return frozenset()
        granting = list(self.policy.grants(roles, entity, action)) or sorted(roles)
        blocked: set[str] | None = None
        for role in granting:
            mine = self._blocked_by(role, entity, action)
            blocked = mine if blocked is None else blocked & mine
        return frozenset(blocked or ()) | self.hidden(roles, entity)

    # --------------------------------------------------------------- internals

    def _blocked_by(self, role: str, entity: str, action: Action) -> set[str]:
        definition = self.registry.roles.get(role)
        if definition is None:
            return set()
        blocked: set[str] = set()
        for key, permission in definition.fields.items():
            owner, _, name = key.partition(".")
            if owner != entity:
                continue
            if not permission.read or (action != "create" and not permission.update):
                blocked.add(name)
        return blocked

    def _declared_hidden(self, roles: frozenset[str], entity: str) -> set[str]:
        """Fields hidden by every role that grants read on ``entity`` (or by any role, if
        none does: rows of such an entity are only reached through shares or lookups)."""
        granting = list(self.policy.grants(roles, entity, "read"))
        per_role: list[set[str]] = []
        for role in granting or sorted(roles):
            definition = self.registry.roles.get(role)
            hides: set[str] = set()
            if definition is not None:
                for key, permission in definition.fields.items():
                    owner, _, name = key.partition(".")
                    if owner == entity and not permission.read:
                        hides.add(name)
            per_role.append(hides)
        if not per_role:
            return set()
        if granting:
            return set.intersection(*per_role)
        return set.union(*per_role)

    def _hidden_everywhere(self, roles: frozenset[str]) -> Mapping[str, frozenset[str]]:
        if self.policy.is_admin(roles):
            return {}
        hidden = {
            (entity, name)
            for entity in self.registry.entities
            for name in self._declared_hidden(roles, entity)
        }
        # Computed fields reading a hidden value are hidden; repeat until nothing changes
        # (formulas may read formulas).
        changed = True
        while changed:
            changed = False
            for computed, depends in self._depends.items():
                if computed not in hidden and not depends.isdisjoint(hidden):
                    hidden.add(computed)
                    changed = True
        by_entity: dict[str, set[str]] = {}
        for entity, name in hidden:
            by_entity.setdefault(entity, set()).add(name)
        return {entity: frozenset(names) for entity, names in by_entity.items()}

    def _dependencies(
        self, entity: str, field: FormulaField | RollupField
    ) -> Iterable[tuple[str, str]]:
        if isinstance(field, FormulaField):
            yield from self._expression_hops(entity, field.expression)
            return
        target = relation_target(self.registry.entity(entity), field.relation)
        if target is None:
            return
        if field.field is not None:
            yield (target, field.field)
        if field.filter is not None:
            yield from self._expression_hops(target, field.filter)

    def _expression_hops(self, entity: str, text: str) -> Iterable[tuple[str, str]]:
        try:
            refs = field_refs(parse(text))
        except ExpressionError:  # the registry validated it; nothing to follow otherwise
            return
        for ref in refs:
            try:
                resolved, _ = resolve_path(self.registry.entities, entity, ref.path, 0)
            except ExpressionError:
                continue
            yield from resolved.steps
            yield (resolved.entity, resolved.field)
