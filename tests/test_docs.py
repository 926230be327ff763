"""Every example in docs/ is loaded, so the documentation cannot drift from the code.

An example is a fenced block preceded by an HTML comment naming what it is:

``<!-- example: SOLUTION/PATH -->`` + yaml
    a file of a solution; all files of a solution in one page are written to a
    folder and must pass ``xrm check`` together. A solution without its own
    ``solution.yaml`` example gets one that depends on the shipped CRM.
``<!-- example: fields ENTITY -->`` + yaml
    field definitions, checked as an extension of the CRM's ENTITY (or as a new
    entity of that name when the CRM has none).
``<!-- example: broken SOLUTION PATH -->`` + yaml, then ``<!-- example: errors SOLUTION -->``
    files that must fail, and the exact ``xrm check`` output they give.
``<!-- example: expression ENTITY TYPE -->`` + text
    an expression on a CRM entity that must type-check and give TYPE.
``<!-- example: expression-error ENTITY [formula] [TYPE] -->`` + text, then
``<!-- example: message -->``
    an expression that must fail with exactly that message (and suggestion);
    ``formula`` checks it where ``$user`` does not exist, TYPE as the needed type.

Every ``yaml`` block of the docs must be an example.
"""

from __future__ import annotations

import re
import textwrap
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from xrm.metamodel.errors import MetamodelErrors
from xrm.metamodel.expression_types import Scope, check
from xrm.metamodel.expressions import ExpressionError, parse
from xrm.metamodel.registry import (
    Registry,
    build_registry,
    load_registry,
    load_sources,
    shipped_solutions_dir,
)
from xrm.metamodel.scopes import EntityScope, ParamEntityScope
from xrm.metamodel.solution import SolutionSource, load_solution
from xrm.metamodel.types import ValueType

DOCS = Path(__file__).resolve().parent.parent / "docs"
CRM = shipped_solutions_dir() / "crm"
PAGES = sorted(DOCS.glob("*.md"))

_EXAMPLE = re.compile(
    r"<!--\s*example:\s*(?P<spec>[^>]*?)\s*-->\s*\n```(?P<lang>[\w-]*)\n(?P<body>.*?)^```",
    re.S | re.M,
)
_FENCE = re.compile(r"^```(?P<lang>[\w-]*)\s*$", re.M)


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    kind: str
    args: tuple[str, ...]
    lang: str
    body: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def _examples(page: Path) -> list[Example]:
    text = page.read_text(encoding="utf-8")
    found: list[Example] = []
    for match in _EXAMPLE.finditer(text):
        words = match.group("spec").split()
        line = text.count("\n", 0, match.start("body")) + 1
        if "/" in words[0]:
            kind, args = "file", tuple(words)
        else:
            kind, args = words[0], tuple(words[1:])
        found.append(Example(page.name, line, kind, args, match.group("lang"), match.group("body")))
    return found


EXAMPLES = {page.name: _examples(page) for page in PAGES}


def _of(kind: str) -> list[Example]:
    return [e for page in EXAMPLES.values() for e in page if e.kind == kind]


def _pairs(kind: str, follower: str) -> Iterator[tuple[Example, Example]]:
    """Each ``kind`` example with the ``follower`` example that comes next on its page."""
    for examples in EXAMPLES.values():
        for index, example in enumerate(examples):
            if example.kind == kind:
                following = next((e for e in examples[index + 1 :] if e.kind == follower), None)
                assert following is not None, f"{example.id}: no '{follower}' example follows"
                yield example, following


@pytest.fixture(scope="module")
def crm_sources() -> list[SolutionSource]:
    sources, errors = load_sources([CRM])
    assert errors == []
    return sources


@pytest.fixture(scope="module")
def crm(crm_sources: list[SolutionSource]) -> Registry:
    return build_registry(crm_sources)


def _write(root: Path, files: dict[str, str], name: str) -> Path:
    """Write a solution folder; give it a manifest depending on the CRM if it has none."""
    files = {"solution.yaml": f"name: {name}\nversion: 1.0.0\ndepends: [crm]\n", **files}
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _rendered(exc: MetamodelErrors, base: Path) -> str:
    return exc.render().replace(f"{base}/", "")


# ------------------------------------------------------------------ the pages


def test_the_docs_exist_and_have_examples() -> None:
    assert {page.name for page in PAGES} >= {"concepts.md", "yaml-reference.md", "expressions.md"}
    for name in ("concepts.md", "yaml-reference.md", "expressions.md"):
        assert EXAMPLES[name], f"{name} has no checked example"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_yaml_block_is_a_checked_example(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    opening = [m for i, m in enumerate(_FENCE.finditer(text)) if i % 2 == 0]
    checked = {e.line for e in EXAMPLES[page.name]}
    for fence in opening:
        line = text.count("\n", 0, fence.start()) + 2
        if fence.group("lang") == "yaml":
            assert line in checked, f"{page.name}:{line}: a yaml block without <!-- example: -->"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_marker_is_followed_by_its_block(page: Path) -> None:
    markers = page.read_text(encoding="utf-8").count("<!-- example:")
    assert markers == len(EXAMPLES[page.name]), "a marker not directly followed by a fence"


def test_every_example_kind_is_known() -> None:
    kinds = {"file", "fields", "broken", "errors", "expression", "expression-error", "message"}
    for examples in EXAMPLES.values():
        for example in examples:
            assert example.kind in kinds, f"{example.id}: unknown example kind {example.kind!r}"


# ------------------------------------------------------------ solution files


def _solutions(page: str) -> dict[str, dict[str, str]]:
    solutions: dict[str, dict[str, str]] = defaultdict(dict)
    for example in EXAMPLES[page]:
        if example.kind == "file":
            solution, _, relative = example.args[0].partition("/")
            assert relative not in solutions[solution], f"{example.id}: {relative} written twice"
            solutions[solution][relative] = example.body
    return solutions


@pytest.mark.parametrize("page", [p.name for p in PAGES if _solutions(p.name)])
def test_solution_examples_pass_check(page: str, tmp_path: Path) -> None:
    folders = [_write(tmp_path / name, files, name) for name, files in _solutions(page).items()]
    try:
        registry = load_registry([CRM, *folders])
    except MetamodelErrors as exc:
        pytest.fail(f"examples of {page} do not load:\n{_rendered(exc, tmp_path)}")
    assert {folder.name for folder in folders} <= {s.name for s in registry.solutions}


@pytest.mark.parametrize("example", _of("fields"), ids=lambda e: e.id)
def test_field_examples(
    example: Example, crm: Registry, crm_sources: list[SolutionSource], tmp_path: Path
) -> None:
    [entity] = example.args
    head = f"extend: {entity}" if entity in crm.entities else f"entity: {entity}"
    body = textwrap.indent(example.body, "  ")
    root = _write(tmp_path / "fields", {"entities/e.yaml": f"{head}\nfields:\n{body}"}, "fields")
    source, errors = load_solution(root)
    assert errors == [], [e.render() for e in errors]
    assert source is not None
    try:
        registry = build_registry([*crm_sources, source])
    except MetamodelErrors as exc:
        pytest.fail(_rendered(exc, tmp_path))
    declared = re.findall(r"^(\w+):", example.body, re.M)
    assert declared
    assert set(declared) <= set(registry.entity(entity).fields)


@pytest.mark.parametrize(
    ("broken", "expected"), list(_pairs("broken", "errors")), ids=lambda e: e.id
)
def test_broken_examples_give_the_documented_errors(
    broken: Example, expected: Example, tmp_path: Path
) -> None:
    solution, relative = broken.args
    assert expected.args == (solution,), f"{expected.id}: errors of another solution"
    siblings = {
        e.args[1]: e.body
        for e in EXAMPLES[broken.page]
        if e.kind == "broken" and e.args[0] == solution
    }
    assert relative in siblings
    root = _write(tmp_path / solution, siblings, Path(solution).name)
    with pytest.raises(MetamodelErrors) as info:
        load_registry([CRM, root])
    assert _rendered(info.value, tmp_path) == expected.body.rstrip("\n")


# ----------------------------------------------------------------- expressions


def _scope(crm: Registry, entity: str, *, formula: bool) -> Scope:
    if formula:
        return EntityScope(crm.entities, entity)
    return ParamEntityScope(crm.entities, entity, {"user": "user"})


@pytest.mark.parametrize("example", _of("expression"), ids=lambda e: e.id)
def test_expression_examples_type_check(example: Example, crm: Registry) -> None:
    entity, expected = example.args
    checked = check(parse(example.body.strip()), _scope(crm, entity, formula=False))
    assert checked.type is ValueType(expected)


@pytest.mark.parametrize(
    ("example", "message"), list(_pairs("expression-error", "message")), ids=lambda e: e.id
)
def test_expression_errors_are_the_documented_ones(
    example: Example, message: Example, crm: Registry
) -> None:
    entity, *options = example.args
    expect = next((ValueType(o) for o in options if o in ValueType.__members__.values()), None)
    scope = _scope(crm, entity, formula="formula" in options)
    with pytest.raises(ExpressionError) as info:
        check(parse(example.body.strip()), scope, expect=expect)
    error = info.value
    shown = error.message + (f" ({error.suggestion})" if error.suggestion else "")
    assert shown == message.body.strip()
