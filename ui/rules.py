"""Form conditions and formulas, checked once per Registry and evaluated on unsaved values.

:class:`Rules` parses and type-checks every ``visible_if`` / ``required_if`` of every
form and the expression of every formula field when the screens start (a broken
expression fails then, naming the form and field — the metamodel has already
validated them, so this only ever fails on a bug).

:class:`ValueResolver` answers the evaluator's questions about a record being
edited: a field's value comes from the form (read the way the repository would
read it), a formula is evaluated in turn, a rollup or system value comes from the
stored record, and ``account.name`` asks ``fetch`` for the referenced record's value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final
from uuid import UUID

from xrm.metamodel.expression_types import Checked, check
from xrm.metamodel.expressions import ExpressionError, parse
from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import FormulaField, LookupField
from xrm.metamodel.scopes import EntityScope
from xrm.metamodel.types import ValueType
from xrm.platform.storage.values import CoerceContext, Invalid, coerce

from .evaluator import EvaluationError, evaluate, plain

#: Reads the value at ``path`` of the record ``id`` of ``entity`` (for ``account.name``).
Fetch = Callable[[str, UUID, tuple[str, ...]], object]

#: Formulas may use formulas; deeper than this is a cycle the metamodel let through.
_MAX_DEPTH: Final = 32


class RulesError(Exception):
    """An expression of a form or formula that does not check (a bug: the loader checks them)."""


@dataclass(frozen=True)
class Condition:
    text: str
    checked: Checked


@dataclass(frozen=True)
class Rules:
    """Every form condition and formula of one Registry, parsed and checked."""

    registry: Registry
    #: (entity, expression text) -> checked condition.
    conditions: Mapping[tuple[str, str], Condition]
    #: (entity, formula field) -> checked expression.
    formulas: Mapping[tuple[str, str], Checked]

    @classmethod
    def build(cls, registry: Registry) -> Rules:
        conditions: dict[tuple[str, str], Condition] = {}
        for form in registry.forms.values():
            for tab in form.tabs:
                for section in tab.sections:
                    texts = [section.visible_if] + [
                        text for ref in section.fields for text in (ref.visible_if, ref.required_if)
                    ]
                    for text in texts:
                        if text and (form.entity, text) not in conditions:
                            where = f"form {form.form}, section {section.name}"
                            checked = _check(registry, form.entity, text, ValueType.BOOLEAN, where)
                            conditions[form.entity, text] = Condition(text, checked)
        formulas: dict[tuple[str, str], Checked] = {}
        for entity in registry.entities.values():
            for name, definition in entity.fields.items():
                if isinstance(definition, FormulaField):
                    where = f"formula {entity.entity}.{name}"
                    formulas[entity.entity, name] = _check(
                        registry, entity.entity, definition.expression, None, where
                    )
        return cls(registry, conditions, formulas)

    def condition(self, entity: str, text: str) -> Checked:
        found = self.conditions.get((entity, text))
        if found is None:  # a condition outside the registry's forms (a test, say)
            return _check(self.registry, entity, text, ValueType.BOOLEAN, "condition")
        return found.checked


def _check(
    registry: Registry, entity: str, text: str, expect: ValueType | None, where: str
) -> Checked:
    try:
        return check(parse(text), EntityScope(registry.entities, entity), expect=expect)
    except ExpressionError as exc:
        raise RulesError(f"{where}: {exc.message} in {text!r}") from exc


@dataclass
class ValueResolver:
    """The values of one record being edited, as expressions see them."""

    rules: Rules
    entity: str
    #: Input values from the form (what the repository would be given), by field.
    inputs: Mapping[str, object]
    #: The record as stored (None when creating): rollups and fields not on the form.
    stored: Mapping[str, object] | None
    fetch: Fetch | None = None
    currency: str = "EUR"
    now: dt.datetime | None = None
    _canonical: dict[str, object] = field(default_factory=dict)
    _depth: int = 0

    def __call__(self, path: tuple[str, ...]) -> object:
        head = path[0]
        value = self.value(head)
        if len(path) == 1:
            return value
        definition = self.rules.registry.field(self.entity, head)
        if not isinstance(definition, LookupField) or not isinstance(value, UUID):
            return None
        if self.fetch is None:
            return None
        return self.fetch(definition.target, value, path[1:])

    def value(self, name: str) -> object:
        if name in self._canonical:
            return self._canonical[name]
        found = self._compute(name)
        self._canonical[name] = found
        return found

    def _compute(self, name: str) -> object:
        registry = self.rules.registry
        if name == "id":
            return self.stored.get("id") if self.stored else None
        definition = registry.field(self.entity, name)
        if isinstance(definition, FormulaField):
            return self.formula(name)
        if name in self.inputs:
            try:
                canonical = coerce(definition, self.inputs[name], CoerceContext(self.currency))
            except Invalid:
                return None  # the form shows the error; the condition sees no value
            return plain(canonical)
        return plain(self.stored.get(name)) if self.stored else None

    def formula(self, name: str) -> object:
        checked = self.rules.formulas[self.entity, name]
        if self._depth > _MAX_DEPTH:
            raise EvaluationError(f"formula {self.entity}.{name} refers to itself")
        self._depth += 1
        try:
            return evaluate(checked, self, now=self.now)
        finally:
            self._depth -= 1

    def holds(self, text: str) -> bool:
        """Whether the condition ``text`` (on this entity) is true for these values."""
        try:
            return evaluate(self.rules.condition(self.entity, text), self, now=self.now) is True
        except EvaluationError:
            return False
