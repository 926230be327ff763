"""Entity-action decisions through casbin, built from the Registry's roles."""

from __future__ import annotations

from xrm.metamodel.types import Scope
from xrm.platform.access.policy import MODEL_TEXT, Policy, policy_rules

from .conftest import World


def test_roles_become_casbin_policies(world: World) -> None:
    rules = policy_rules(world.storage.registry)
    assert ["seller", "deal", "read", "business_unit"] in rules
    assert ["system_administrator", "*", "*", "all"] in rules
    assert not any(rule[0] == "seller" and rule[1] == "tag" for rule in rules)  # none: no rule
    assert "[matchers]" in MODEL_TEXT


def test_decisions_give_the_scope(world: World) -> None:
    policy: Policy = world.control.policy
    assert policy.scope("seller", "deal", "read") is Scope.BUSINESS_UNIT
    assert policy.scope("seller", "deal", "create") is Scope.OWN
    assert policy.scope("seller", "tag", "read") is Scope.NONE
    assert policy.scope("system_administrator", "anything", "delete") is Scope.ALL
    assert policy.scope("no_such_role", "deal", "read") is Scope.NONE
    assert policy.grants({"seller", "auditor", "regional"}, "deal", "read") == {
        "auditor": Scope.ALL,
        "seller": Scope.BUSINESS_UNIT,
    }
    assert policy.allows({"teamlead"}, "deal", "update")
    assert not policy.allows({"teamlead"}, "deal", "delete")
    assert policy.is_admin({"seller", "system_administrator"})
    assert not policy.is_admin({"seller"})
