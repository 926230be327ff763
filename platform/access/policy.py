"""Entity-action decisions through casbin: may role X do action Y on entity Z, and how far.

The Registry's roles become casbin policies ``(role, entity, action, scope)``, added
programmatically when the policy is built (once per metadata version); an
administrator role gets ``(role, *, *, all)``. A decision is asked of casbin once per
(role, entity, action) and remembered: the policies never change for a Registry.

Which *rows* a granted scope reaches is :mod:`.rows`' business; this module only
answers "may it, and with which scope".
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Final, get_args

import casbin
from casbin.model import Model

from xrm.metamodel.registry import Registry
from xrm.metamodel.types import Scope
from xrm.platform.storage.actor import Action

#: Every action a role can grant, in the order of :class:`EntityPermissions`.
ACTIONS: Final[tuple[Action, ...]] = get_args(Action)
WILDCARD: Final = "*"

MODEL_TEXT: Final = """
[request_definition]
r = role, entity, action

[policy_definition]
p = role, entity, action, scope

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.role == p.role \
    && (p.entity == "*" || r.entity == p.entity) \
    && (p.action == "*" || r.action == p.action)
"""


def policy_rules(registry: Registry) -> list[list[str]]:
    """The casbin policies of ``registry``'s roles (scope ``none`` grants nothing: no rule)."""
    rules: list[list[str]] = []
    for role in registry.roles.values():
        if role.admin:
            rules.append([role.role, WILDCARD, WILDCARD, Scope.ALL.value])
        for entity, permissions in role.entities.items():
            for action in ACTIONS:
                scope: Scope = getattr(permissions, action)
                if scope is not Scope.NONE:
                    rules.append([role.role, entity, action, scope.value])
    return rules


class Policy:
    """The entity-action decisions of one Registry's roles."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        model = Model()
        model.load_model_from_text(MODEL_TEXT)
        self._enforcer = casbin.Enforcer(model)
        rules = policy_rules(registry)
        if rules:
            self._enforcer.add_policies(rules)
        self._decisions: dict[tuple[str, str, str], Scope] = {}
        self._lock = threading.Lock()
        self.admin_roles: frozenset[str] = frozenset(
            role.role for role in registry.roles.values() if role.admin
        )

    def scope(self, role: str, entity: str, action: Action) -> Scope:
        """How far ``role`` may do ``action`` on ``entity`` (``none``: not at all)."""
        key = (role, entity, action)
        found = self._decisions.get(key)
        if found is None:
            with self._lock:
                allowed, rule = self._enforcer.enforce_ex(role, entity, action)
            found = Scope(rule[3]) if allowed else Scope.NONE
            self._decisions[key] = found
        return found

    def grants(self, roles: Iterable[str], entity: str, action: Action) -> dict[str, Scope]:
        """The roles among ``roles`` that grant ``action`` on ``entity``, with their scopes."""
        found: dict[str, Scope] = {}
        for role in sorted(roles):
            scope = self.scope(role, entity, action)
            if scope is not Scope.NONE:
                found[role] = scope
        return found

    def allows(self, roles: Iterable[str], entity: str, action: Action) -> bool:
        return bool(self.grants(roles, entity, action))

    def is_admin(self, roles: Iterable[str]) -> bool:
        return not self.admin_roles.isdisjoint(roles)
