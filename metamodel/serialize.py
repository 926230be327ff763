"""Registry <-> JSON, so a Registry can be stored in the database and rebuilt anywhere.

Workers (and later tenants) rebuild the exact Registry an administrator applied,
without the solution folders it came from. The round trip is checked: the rebuilt
Registry must have the same content hash as the one that was stored.
"""

from __future__ import annotations

import json
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from .registry import Registry, registry_version
from .schema import DataFile, EntityDef, FormDef, RoleDef, SolutionManifest, ViewDef

#: Bumped when the document layout changes.
FORMAT = 1


class RegistryDocumentError(ValueError):
    """A stored registry document cannot be read back."""


def registry_to_json(registry: Registry) -> str:
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": registry.version,
        "solutions": [s.model_dump(mode="json") for s in registry.solutions],
        "entities": {k: v.model_dump(mode="json") for k, v in registry.entities.items()},
        "forms": {k: v.model_dump(mode="json") for k, v in registry.forms.items()},
        "views": {k: v.model_dump(mode="json") for k, v in registry.views.items()},
        "roles": {k: v.model_dump(mode="json") for k, v in registry.roles.items()},
        "data": [[solution, data.model_dump(mode="json")] for solution, data in registry.data],
        "entity_solution": dict(registry.entity_solution),
        "strings": {lang: dict(texts) for lang, texts in registry.strings.items()},
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def registry_from_json(text: str) -> Registry:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegistryDocumentError(f"stored registry is not JSON: {exc}") from exc
    if document.get("format") != FORMAT:
        raise RegistryDocumentError(
            f"stored registry has format {document.get('format')!r}, this xrm reads {FORMAT}; "
            "re-apply the solutions with `xrm migrate`"
        )
    registry = Registry(
        solutions=tuple(SolutionManifest.model_validate(s) for s in document["solutions"]),
        entities=MappingProxyType(
            {k: EntityDef.model_validate(v) for k, v in document["entities"].items()}
        ),
        forms=MappingProxyType(
            {k: FormDef.model_validate(v) for k, v in document["forms"].items()}
        ),
        views=MappingProxyType(
            {k: ViewDef.model_validate(v) for k, v in document["views"].items()}
        ),
        roles=MappingProxyType(
            {k: RoleDef.model_validate(v) for k, v in document["roles"].items()}
        ),
        data=tuple(
            (solution, DataFile.model_validate(data)) for solution, data in document["data"]
        ),
        entity_solution=MappingProxyType(dict(document["entity_solution"])),
        strings=MappingProxyType(
            {lang: MappingProxyType(dict(texts)) for lang, texts in document["strings"].items()}
        ),
    )
    version = registry_version(registry)
    if version != document["version"]:
        raise RegistryDocumentError(
            f"stored registry {document['version'][:12]} reads back as {version[:12]}; "
            "re-apply the solutions with `xrm migrate`"
        )
    return replace(registry, version=version)
