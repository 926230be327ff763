"""The fields every entity gets, declared once as ordinary field models.

Exposing them as fields (not special cases) lets storage, GraphQL and screens treat
``created_by`` or ``owner`` like any other lookup.
"""

from __future__ import annotations

from .schema import (
    DatetimeField,
    EntityDef,
    FieldDef,
    IntegerField,
    LookupField,
    PolymorphicLookupField,
)
from .types import FieldKind, OnDelete, Ownership

USER_ENTITY = "user"
TEAM_ENTITY = "team"
BUSINESS_UNIT_ENTITY = "business_unit"


def _label(en: str, fr: str, ja: str, ru: str) -> dict[str, str]:
    return {"en": en, "fr": fr, "ja": ja, "ru": ru}


def system_fields(entity: EntityDef) -> dict[str, FieldDef]:
    """The system fields of ``entity``, in display order (``id`` is implicit)."""
    fields: dict[str, FieldDef] = {
        "created_at": DatetimeField(
            type=FieldKind.DATETIME,
            read_only=True,
            indexed=True,
            label=_label("Created on", "Créé le", "作成日時", "Создано"),
        ),
        "created_by": LookupField(
            type=FieldKind.LOOKUP,
            target=USER_ENTITY,
            on_delete=OnDelete.SET_NULL,
            read_only=True,
            label=_label("Created by", "Créé par", "作成者", "Автор"),
        ),
        "modified_at": DatetimeField(
            type=FieldKind.DATETIME,
            read_only=True,
            indexed=True,
            label=_label("Modified on", "Modifié le", "更新日時", "Изменено"),
        ),
        "modified_by": LookupField(
            type=FieldKind.LOOKUP,
            target=USER_ENTITY,
            on_delete=OnDelete.SET_NULL,
            read_only=True,
            label=_label("Modified by", "Modifié par", "更新者", "Изменил"),
        ),
    }
    owner_label = _label("Owner", "Propriétaire", "所有者", "Владелец")
    if entity.ownership is Ownership.USER:
        fields["owner"] = PolymorphicLookupField(
            type=FieldKind.POLYMORPHIC_LOOKUP,
            targets=[USER_ENTITY, TEAM_ENTITY],
            on_delete=OnDelete.RESTRICT,
            label=owner_label,
        )
    elif entity.ownership is Ownership.TEAM:
        fields["owner"] = LookupField(
            type=FieldKind.LOOKUP,
            target=TEAM_ENTITY,
            on_delete=OnDelete.RESTRICT,
            label=owner_label,
        )
    if entity.ownership is not Ownership.ORGANIZATION:
        fields["business_unit"] = LookupField(
            type=FieldKind.LOOKUP,
            target=BUSINESS_UNIT_ENTITY,
            on_delete=OnDelete.RESTRICT,
            # Follows the owner, except where the record belongs to the unit itself.
            read_only=entity.ownership is not Ownership.BUSINESS_UNIT,
            label=_label("Business unit", "Unité commerciale", "部署", "Подразделение"),
        )
    fields["version"] = IntegerField(
        type=FieldKind.INTEGER,
        read_only=True,
        label=_label("Version", "Version", "バージョン", "Версия"),
    )
    return fields
