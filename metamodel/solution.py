"""Read one solution folder into validated models, keeping each model's source document.

A solution is a folder::

    solution.yaml          name, version, prefix, depends
    entities/*.yaml        one entity (``entity:``) or one extension (``extend:``) per file
    forms/*.yaml           one form (``form:``) or one form extension (``extend_form:``)
    views/*.yaml           one view per file
    roles/*.yaml           one role per file
    i18n/<lang>.yaml       translated labels
    data/*.yaml            records to load (reference or demo data)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

from .errors import Location, MetamodelError
from .schema import (
    DataFile,
    EntityDef,
    EntityExtensionDef,
    FormDef,
    FormExtensionDef,
    RoleDef,
    SolutionManifest,
    TranslationFile,
    ViewDef,
)
from .shape_errors import validate_model
from .yamlsource import Document, read_yaml

M = TypeVar("M", bound=BaseModel)

MANIFEST = "solution.yaml"
_FOLDERS = ("entities", "forms", "views", "roles", "i18n", "data")


@dataclass(frozen=True)
class Sourced(Generic[M]):
    """A validated model and the document it came from (for locating later errors)."""

    model: M
    document: Document


@dataclass(frozen=True)
class SolutionSource:
    """Everything one solution folder declares, each piece with its source."""

    root: Path
    manifest: Sourced[SolutionManifest]
    entities: tuple[Sourced[EntityDef], ...] = ()
    extensions: tuple[Sourced[EntityExtensionDef], ...] = ()
    forms: tuple[Sourced[FormDef], ...] = ()
    form_extensions: tuple[Sourced[FormExtensionDef], ...] = ()
    views: tuple[Sourced[ViewDef], ...] = ()
    roles: tuple[Sourced[RoleDef], ...] = ()
    translations: tuple[tuple[str, Sourced[TranslationFile]], ...] = ()
    data: tuple[Sourced[DataFile], ...] = ()

    @property
    def name(self) -> str:
        return self.manifest.model.name


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _Collector:
    def __init__(self) -> None:
        self.errors: list[MetamodelError] = []

    def document(self, path: Path) -> Document | None:
        document, errors = read_yaml(path, _display(path))
        self.errors.extend(errors)
        if document is None:
            return None
        if not isinstance(document.data, dict):
            self.errors.append(
                MetamodelError(
                    Location(document.file, 1, 1),
                    (),
                    "expected a mapping of keys to values at the top of the file",
                    "see docs/yaml-reference.md for the shape of this file",
                )
            )
            return None
        return document

    def model(self, model: type[M], document: Document) -> Sourced[M] | None:
        result, errors = validate_model(model, document)
        self.errors.extend(errors)
        return None if result is None else Sourced(result, document)

    def one_of(
        self, document: Document, choices: dict[str, type[BaseModel]]
    ) -> Sourced[BaseModel] | None:
        """Pick the model by which top key is present (e.g. ``entity:`` vs ``extend:``)."""
        for key, model in choices.items():
            if key in document.data:
                return self.model(model, document)
        keys = " or ".join(f"'{k}:'" for k in choices)
        self.errors.append(
            MetamodelError(
                Location(document.file, 1, 1),
                (),
                f"this file must start with {keys}",
                f"add {next(iter(choices))}: <name> at the top",
            )
        )
        return None


def load_solution(root: Path) -> tuple[SolutionSource | None, list[MetamodelError]]:
    """Read and shape-check every file of a solution folder. Reports all errors found."""
    collect = _Collector()
    manifest_path = root / MANIFEST
    if not root.is_dir():
        return None, [MetamodelError(Location(_display(root)), (), "no such solution folder")]
    if not manifest_path.is_file():
        return None, [
            MetamodelError(
                Location(_display(root)),
                (),
                f"{MANIFEST} is missing",
                "every solution folder starts with solution.yaml (name, version)",
            )
        ]
    unknown = [
        p.name for p in root.iterdir() if p.is_dir() and p.name not in _FOLDERS and p.name[0] != "."
    ]
    for name in sorted(unknown):
        collect.errors.append(
            MetamodelError(
                Location(_display(root / name)),
                (),
                f"unknown folder {name!r} in a solution",
                "solution folders are: " + ", ".join(_FOLDERS),
            )
        )
    manifest_doc = collect.document(manifest_path)
    manifest = collect.model(SolutionManifest, manifest_doc) if manifest_doc else None

    entities: list[Sourced[EntityDef]] = []
    extensions: list[Sourced[EntityExtensionDef]] = []
    for path in _yaml_files(root / "entities"):
        document = collect.document(path)
        if document is None:
            continue
        sourced = collect.one_of(document, {"entity": EntityDef, "extend": EntityExtensionDef})
        if sourced is not None and isinstance(sourced.model, EntityDef):
            entities.append(Sourced(sourced.model, document))
        elif sourced is not None and isinstance(sourced.model, EntityExtensionDef):
            extensions.append(Sourced(sourced.model, document))

    forms: list[Sourced[FormDef]] = []
    form_extensions: list[Sourced[FormExtensionDef]] = []
    for path in _yaml_files(root / "forms"):
        document = collect.document(path)
        if document is None:
            continue
        sourced = collect.one_of(document, {"form": FormDef, "extend_form": FormExtensionDef})
        if sourced is not None and isinstance(sourced.model, FormDef):
            forms.append(Sourced(sourced.model, document))
        elif sourced is not None and isinstance(sourced.model, FormExtensionDef):
            form_extensions.append(Sourced(sourced.model, document))

    def simple(folder: str, model: type[M]) -> list[Sourced[M]]:
        out: list[Sourced[M]] = []
        for path in _yaml_files(root / folder):
            document = collect.document(path)
            if document is not None and (sourced := collect.model(model, document)):
                out.append(sourced)
        return out

    views = simple("views", ViewDef)
    roles = simple("roles", RoleDef)
    data = simple("data", DataFile)
    translations: list[tuple[str, Sourced[TranslationFile]]] = []
    for path in _yaml_files(root / "i18n"):
        document = collect.document(path)
        if document is not None and (sourced := collect.model(TranslationFile, document)):
            translations.append((path.stem, sourced))

    if manifest is None:
        return None, collect.errors
    source = SolutionSource(
        root=root,
        manifest=manifest,
        entities=tuple(entities),
        extensions=tuple(extensions),
        forms=tuple(forms),
        form_extensions=tuple(form_extensions),
        views=tuple(views),
        roles=tuple(roles),
        translations=tuple(translations),
        data=tuple(data),
    )
    return source, collect.errors
