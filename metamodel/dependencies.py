"""Order solutions by their ``depends`` and check version constraints."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .errors import MetamodelError, did_you_mean
from .solution import SolutionSource

_CONSTRAINT_RE = re.compile(r"^\s*(>=|<=|==|!=|>|<|\^|~)?\s*(\d+(?:\.\d+){0,2})\s*$")


def parse_version(text: str) -> tuple[int, int, int]:
    core = re.split(r"[-+]", text, maxsplit=1)[0]
    parts = [int(p) for p in core.split(".")]
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


def constraint_problem(spec: str) -> str | None:
    if spec.strip() in ("", "*"):
        return None
    for part in spec.split(","):
        if not _CONSTRAINT_RE.match(part):
            return f"{part.strip()!r} is not a version constraint like '>=1.2' or '^1.0'"
    return None


def satisfies(version: str, spec: str) -> bool:
    """Whether ``version`` meets ``spec``.

    ``spec`` is comma-separated; ``^1.2`` means same major, ``~1.2`` same minor.
    """
    if spec.strip() in ("", "*"):
        return True
    have = parse_version(version)
    for part in spec.split(","):
        match = _CONSTRAINT_RE.match(part)
        if not match:
            return False
        op, number = match.group(1) or "==", parse_version(match.group(2))
        checks = {
            ">=": have >= number,
            "<=": have <= number,
            ">": have > number,
            "<": have < number,
            "==": have == number,
            "!=": have != number,
            "^": have >= number and have[0] == number[0],
            "~": have >= number and have[:2] == number[:2],
        }
        if not checks[op]:
            return False
    return True


def _close_name(name: str, names: Sequence[str]) -> str | None:
    """A 'did you mean' for a misspelt solution name; None when nothing is close."""
    suggestion = did_you_mean(name, names)
    return suggestion if suggestion and suggestion.startswith("did you mean") else None


def order_solutions(
    sources: Sequence[SolutionSource],
) -> tuple[list[SolutionSource], list[MetamodelError]]:
    """Dependency order (dependencies first); errors for missing, mismatched or cyclic ones."""
    errors: list[MetamodelError] = []
    by_name: dict[str, SolutionSource] = {}
    for source in sources:
        if source.name in by_name:
            first = by_name[source.name].manifest.document.file
            errors.append(
                MetamodelError(
                    source.manifest.document.locate(("name",)),
                    ("name",),
                    f"solution {source.name!r} is given twice",
                    f"the other copy is {first}",
                )
            )
            continue
        by_name[source.name] = source

    for source in by_name.values():
        document = source.manifest.document
        for dependency, spec in source.manifest.model.depends.items():
            path = ("depends", dependency)
            if problem := constraint_problem(spec):
                errors.append(MetamodelError(document.locate(path), path, problem))
            elif dependency not in by_name:
                errors.append(
                    MetamodelError(
                        document.locate(path, key=True),
                        path,
                        f"depends on solution {dependency!r}, which is not among those given",
                        _close_name(dependency, [n for n in by_name if n != source.name])
                        or "pass its folder too, or install it first",
                    )
                )
            elif not satisfies(by_name[dependency].manifest.model.version, spec):
                have = by_name[dependency].manifest.model.version
                errors.append(
                    MetamodelError(
                        document.locate(path),
                        path,
                        f"needs {dependency} {spec}, but version {have} is given",
                        f"use a {dependency} release matching {spec}",
                    )
                )

    ordered: list[SolutionSource] = []
    state: dict[str, str] = {}  # "visiting" | "done"

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = [*trail[trail.index(name) :], name]
            source = by_name[name]
            errors.append(
                MetamodelError(
                    source.manifest.document.locate(("depends",), key=True),
                    ("depends",),
                    "dependency cycle: " + " -> ".join(cycle),
                    "a solution cannot depend, directly or not, on itself",
                )
            )
            return
        state[name] = "visiting"
        for dependency in by_name[name].manifest.model.depends:
            if dependency in by_name:
                visit(dependency, [*trail, name])
        state[name] = "done"
        ordered.append(by_name[name])

    for name in by_name:
        visit(name, [])
    return ordered, errors
