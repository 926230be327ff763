"""The YAML schema as frozen pydantic models.

These models check the shape of each document on its own (types, allowed keys,
ranges). Cross-references between documents (a lookup's target, a formula's fields,
a form's fields) are checked later by :mod:`xrm.metamodel.validate`, which sees the
whole set of solutions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    Field,
    model_validator,
)

from .fields import (
    FIELD_MODELS,
    JUNCTION_FIELD_KINDS,
    AutonumberField,
    BooleanField,
    ChoiceField,
    ChoiceOption,
    DateField,
    DatetimeField,
    DecimalField,
    EmailField,
    FieldDef,
    FileField,
    FormulaField,
    IntegerField,
    LookupField,
    MoneyField,
    MultiChoiceField,
    PhoneField,
    PolymorphicLookupField,
    RollupField,
    StringField,
    TextField,
    UrlField,
)
from .model_base import (
    _VERSION_RE,
    LANGUAGE_RE,
    Flag,
    I18nText,
    Identifier,
    Model,
)
from .types import (
    Ownership,
    RelationKind,
    Scope,
    SortDirection,
)

# ------------------------------------------------------------------------ relations


class OneToManyRelation(Model):
    """The records of ``target`` whose lookup ``field`` points at this record."""

    type: Literal[RelationKind.ONE_TO_MANY]
    target: Identifier
    field: Identifier
    label: I18nText | None = None


class ManyToManyRelation(Model):
    """A set of ``target`` records linked through a generated junction table."""

    type: Literal[RelationKind.MANY_TO_MANY]
    target: Identifier
    label: I18nText | None = None
    #: The name this relation has on the target's side (a contact's ``opportunities``),
    #: usable there in related lists; without it the relation is seen from this side only.
    inverse: Identifier | None = None
    #: Fields stored on each link (e.g. a contact's role in an opportunity).
    fields: dict[Identifier, FieldDef] = Field(default_factory=dict)


RelationDef = Annotated[OneToManyRelation | ManyToManyRelation, Field(discriminator="type")]


class IndexDef(Model):
    """An index over one or more fields; a plain list is shorthand for ``fields``."""

    fields: list[Identifier] = Field(min_length=1)
    unique: Flag = False
    name: Identifier | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"fields": data}
        if isinstance(data, str):
            return {"fields": [data]}
        return data


# ------------------------------------------------------------------------- entities


class EntityDef(Model):
    """An entity (a record type): one table, one GraphQL type, one set of screens."""

    entity: Identifier
    label: I18nText | None = None
    plural: I18nText | None = None
    description: str | None = None
    primary_field: Identifier | None = None
    ownership: Ownership = Ownership.USER
    area: Identifier | None = None
    icon: str | None = None
    renamed_from: Identifier | None = None
    fields: dict[Identifier, FieldDef] = Field(default_factory=dict)
    relations: dict[Identifier, RelationDef] = Field(default_factory=dict)
    indexes: list[IndexDef] = Field(default_factory=list)


class EntityExtensionDef(Model):
    """Adds to an entity declared by a solution this one depends on."""

    extend: Identifier
    label: I18nText | None = None
    plural: I18nText | None = None
    fields: dict[Identifier, FieldDef] = Field(default_factory=dict)
    relations: dict[Identifier, RelationDef] = Field(default_factory=dict)
    indexes: list[IndexDef] = Field(default_factory=list)
    #: Options appended to existing choice / multichoice fields.
    options: dict[Identifier, list[ChoiceOption]] = Field(default_factory=dict)


# --------------------------------------------------------------------------- forms


class FormFieldRef(Model):
    """A field placed on a form; a plain string is shorthand for ``field``."""

    field: str
    label: I18nText | None = None
    visible_if: str | None = None
    required_if: str | None = None
    read_only: Flag = False

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"field": data}
        return data


class RelatedListDef(Model):
    """A related list on a form: the records of one of the entity's relations."""

    relation: str
    label: I18nText | None = None
    columns: list[str] = Field(default_factory=list)
    view: Identifier | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"relation": data}
        return data


class SectionDef(Model):
    name: Identifier
    label: I18nText | None = None
    columns: int = Field(default=2, ge=1, le=4)
    fields: list[FormFieldRef] = Field(default_factory=list)
    related: list[RelatedListDef] = Field(default_factory=list)
    visible_if: str | None = None


class TabDef(Model):
    name: Identifier
    label: I18nText | None = None
    sections: list[SectionDef] = Field(min_length=1)


class FormDef(Model):
    form: Identifier
    entity: Identifier
    label: I18nText | None = None
    kind: Literal["main", "quick_create"] = "main"
    default: Flag = False
    tabs: list[TabDef] = Field(min_length=1)


class FormExtensionDef(Model):
    """Adds tabs, or sections to existing tabs, of a form from a dependency."""

    extend_form: Identifier
    tabs: list[TabDef] = Field(default_factory=list)
    sections: dict[Identifier, list[SectionDef]] = Field(default_factory=dict)


# --------------------------------------------------------------------------- views


class ViewColumn(Model):
    field: str
    label: I18nText | None = None
    width: int | None = Field(default=None, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"field": data}
        return data


class SortDef(Model):
    """A sort key; ``"-close_date"`` is shorthand for ``{field: close_date, direction: desc}``."""

    field: str
    direction: SortDirection = SortDirection.ASC
    nulls: Literal["first", "last"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            if data.startswith("-"):
                return {"field": data[1:], "direction": "desc"}
            return {"field": data.lstrip("+")}
        return data


class ViewDef(Model):
    view: Identifier
    entity: Identifier
    label: I18nText | None = None
    columns: list[ViewColumn] = Field(min_length=1)
    filter: str | None = None
    sort: list[SortDef] = Field(default_factory=list)
    default: Flag = False
    page_size: int = Field(default=50, ge=1, le=500)


# --------------------------------------------------------------------------- roles


class EntityPermissions(Model):
    read: Scope = Scope.NONE
    create: Scope = Scope.NONE
    update: Scope = Scope.NONE
    delete: Scope = Scope.NONE
    assign: Scope = Scope.NONE
    share: Scope = Scope.NONE


class FieldPermission(Model):
    read: Flag = True
    update: Flag = True


class RowRule(Model):
    """A row scope written in the expression language (may use ``$user.<field>``)."""

    entity: Identifier
    read: str | None = None
    update: str | None = None
    delete: str | None = None

    @model_validator(mode="after")
    def _check_any(self) -> Self:
        if self.read is None and self.update is None and self.delete is None:
            raise ValueError("a rule needs at least one of read, update, delete")
        return self


class RoleDef(Model):
    role: Identifier
    label: I18nText | None = None
    description: str | None = None
    #: A system administrator bypasses scopes (but is still audited).
    admin: Flag = False
    entities: dict[Identifier, EntityPermissions] = Field(default_factory=dict)
    #: Keyed ``entity.field``.
    fields: dict[str, FieldPermission] = Field(default_factory=dict)
    rules: list[RowRule] = Field(default_factory=list)


# ------------------------------------------------------------------------ solution


class SolutionManifest(Model):
    """``solution.yaml``: who ships the solution and what it needs."""

    name: Identifier
    version: str
    label: I18nText | None = None
    description: str | None = None
    publisher: str | None = None
    #: Short prefix of the publisher, reserved for its entities in later versions.
    prefix: Identifier | None = None
    depends: dict[Identifier, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _depends_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("depends"), list):
            return {**data, "depends": {str(name): "*" for name in data["depends"]}}
        return data

    @model_validator(mode="after")
    def _check_version(self) -> Self:
        if not _VERSION_RE.match(self.version):
            raise ValueError(f"version {self.version!r} must be semantic, like '1.2.0'")
        return self


# ----------------------------------------------------------------------------- data


class DataFile(Model):
    """Records shipped with a solution (demo or reference data), in ``data/*.yaml``.

    A lookup value is either an id or ``{ref: <key>}`` naming another record's ``ref``.
    """

    entity: Identifier
    demo: Flag = True
    records: list[dict[str, Any]] = Field(default_factory=list)


class TranslationFile(Model):
    """``i18n/<lang>.yaml``: labels in one language, merged over the entities' own."""

    entities: dict[Identifier, EntityTranslation] = Field(default_factory=dict)
    strings: dict[str, str] = Field(default_factory=dict)


class EntityTranslation(Model):
    label: str | None = None
    plural: str | None = None
    fields: dict[Identifier, str] = Field(default_factory=dict)
    options: dict[Identifier, dict[Identifier, str]] = Field(default_factory=dict)
    relations: dict[Identifier, str] = Field(default_factory=dict)


TranslationFile.model_rebuild()

#: The field models live in :mod:`xrm.metamodel.fields`; every YAML model is reachable here.
__all__ = [
    "FIELD_MODELS",
    "JUNCTION_FIELD_KINDS",
    "LANGUAGE_RE",
    "AutonumberField",
    "BooleanField",
    "ChoiceField",
    "ChoiceOption",
    "DataFile",
    "DateField",
    "DatetimeField",
    "DecimalField",
    "EmailField",
    "EntityDef",
    "EntityExtensionDef",
    "EntityPermissions",
    "EntityTranslation",
    "FieldDef",
    "FieldPermission",
    "FileField",
    "Flag",
    "FormDef",
    "FormExtensionDef",
    "FormFieldRef",
    "FormulaField",
    "I18nText",
    "Identifier",
    "IndexDef",
    "IntegerField",
    "LookupField",
    "ManyToManyRelation",
    "Model",
    "MoneyField",
    "MultiChoiceField",
    "OneToManyRelation",
    "PhoneField",
    "PolymorphicLookupField",
    "RelatedListDef",
    "RoleDef",
    "RollupField",
    "RowRule",
    "SectionDef",
    "SolutionManifest",
    "SortDef",
    "StringField",
    "TabDef",
    "TextField",
    "TranslationFile",
    "UrlField",
    "ViewColumn",
    "ViewDef",
]
