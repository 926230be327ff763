"""A Registry survives a trip through JSON unchanged (same content hash)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xrm.metamodel.registry import load_registry
from xrm.metamodel.serialize import (
    RegistryDocumentError,
    registry_from_json,
    registry_to_json,
)


def test_the_crm_registry_round_trips(solutions_dir: Path) -> None:
    registry = load_registry([solutions_dir / "crm"])
    again = registry_from_json(registry_to_json(registry))
    assert again.version == registry.version
    assert again.entities == registry.entities
    # Data records are loose mappings: dates come back as ISO text, which loads the same.
    assert [(s, d.model_dump(mode="json")) for s, d in again.data] == [
        (s, d.model_dump(mode="json")) for s, d in registry.data
    ]
    assert again.entity_solution == registry.entity_solution


def test_a_tampered_document_is_refused(solutions_dir: Path) -> None:
    text = registry_to_json(load_registry([solutions_dir / "system"]))
    with pytest.raises(RegistryDocumentError, match="reads back as"):
        registry_from_json(text.replace('"Full name"', '"Name"'))
    with pytest.raises(RegistryDocumentError, match="format"):
        registry_from_json(text.replace('"format":1', '"format":99'))
    with pytest.raises(RegistryDocumentError, match="not JSON"):
        registry_from_json("{")
