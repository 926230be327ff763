"""Solution dependencies: version constraints and the order solutions are merged in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from xrm.metamodel.dependencies import (
    constraint_problem,
    order_solutions,
    parse_version,
    satisfies,
)
from xrm.metamodel.solution import SolutionSource, load_solution

WriteSolution = Callable[..., Path]


def source(
    write: WriteSolution, name: str, version: str = "1.0.0", depends: str = ""
) -> SolutionSource:
    manifest = f"depends: {depends}\n" if depends else ""
    loaded, errors = load_solution(write({}, name=name, version=version, manifest=manifest))
    assert errors == []
    assert loaded is not None
    return loaded


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("1.2.3", (1, 2, 3)), ("2.0", (2, 0, 0)), ("3", (3, 0, 0)), ("1.4.0-beta.2", (1, 4, 0))],
)
def test_parse_version(text: str, parsed: tuple[int, int, int]) -> None:
    assert parse_version(text) == parsed


@pytest.mark.parametrize(
    ("version", "spec", "ok"),
    [
        ("1.2.0", "*", True),
        ("1.2.0", "", True),
        ("1.2.0", ">=1.2", True),
        ("1.1.9", ">=1.2", False),
        ("1.2.0", ">1.2.0", False),
        ("1.2.1", ">1.2.0", True),
        ("1.2.0", "<=1.2", True),
        ("2.0.0", "<2", False),
        ("1.2.0", "==1.2.0", True),
        ("1.2.0", "1.2.0", True),
        ("1.2.1", "1.2.0", False),
        ("1.2.0", "!=1.2.0", False),
        ("1.9.0", "^1.2", True),
        ("2.0.0", "^1.2", False),
        ("1.1.0", "^1.2", False),
        ("1.2.7", "~1.2", True),
        ("1.3.0", "~1.2", False),
        ("1.5.0", ">=1.2, <2.0", True),
        ("2.5.0", ">=1.2, <2.0", False),
        ("1.0.0-rc.1", ">=1.0", True),
    ],
)
def test_satisfies(version: str, spec: str, ok: bool) -> None:
    assert satisfies(version, spec) is ok


@pytest.mark.parametrize("spec", ["*", ">=1", "^2.0", "~1.2.3", ">=1.0, <2", " == 1.0 "])
def test_valid_constraints(spec: str) -> None:
    assert constraint_problem(spec) is None


@pytest.mark.parametrize("spec", ["latest", "=>1.0", "1.x", ">=1.0 <2.0", "^"])
def test_invalid_constraints(spec: str) -> None:
    problem = constraint_problem(spec)
    assert problem is not None
    assert "is not a version constraint like '>=1.2' or '^1.0'" in problem
    assert satisfies("1.0.0", spec) is False


def test_dependencies_come_first(write_solution: WriteSolution) -> None:
    base = source(write_solution, "base")
    sales = source(write_solution, "sales", depends="[base]")
    service = source(write_solution, "service", depends="{base: '>=1.0'}")
    portal = source(write_solution, "portal", depends="[service, sales]")
    ordered, errors = order_solutions([portal, service, sales, base])
    assert errors == []
    names = [s.name for s in ordered]
    assert names.index("base") < names.index("sales") < names.index("portal")
    assert names.index("service") < names.index("portal")
    assert names == ["base", "service", "sales", "portal"]


def test_independent_solutions_keep_the_order_given(write_solution: WriteSolution) -> None:
    a, b, c = (source(write_solution, name) for name in ("a", "b", "c"))
    ordered, errors = order_solutions([c, a, b])
    assert errors == []
    assert [s.name for s in ordered] == ["c", "a", "b"]


def test_a_solution_given_twice(write_solution: WriteSolution) -> None:
    first = source(write_solution, "sales")
    # Another folder holding a solution of the same name (say, a newer copy).
    copy_folder = write_solution({"solution.yaml": "name: sales\nversion: 2.0.0\n"}, name="copy")
    second, _ = load_solution(copy_folder)
    assert second is not None
    ordered, errors = order_solutions([first, second])
    assert [s.version for s in (o.manifest.model for o in ordered)] == ["1.0.0"]
    [error] = errors
    assert error.message == "solution 'sales' is given twice"
    assert error.suggestion is not None
    assert error.suggestion.startswith("the other copy is ")
    assert error.suggestion.endswith("sales/solution.yaml")
    assert error.location.file.endswith("copy/solution.yaml")


def test_missing_dependencies_suggest_close_names(write_solution: WriteSolution) -> None:
    sales = source(write_solution, "sales")
    addon = source(write_solution, "addon", depends="[sale, billing]")
    ordered, errors = order_solutions([sales, addon])
    assert [s.name for s in ordered] == ["sales", "addon"]
    assert [(e.message, e.suggestion) for e in errors] == [
        (
            "depends on solution 'sale', which is not among those given",
            "did you mean 'sales'?",
        ),
        (
            "depends on solution 'billing', which is not among those given",
            "pass its folder too, or install it first",
        ),
    ]


def test_version_constraints_are_checked(write_solution: WriteSolution) -> None:
    sales = source(write_solution, "sales", version="1.4.2")
    ok = source(write_solution, "ok", depends="{sales: '~1.4'}")
    old = source(write_solution, "old", depends="{sales: '>=2.0'}")
    bad = source(write_solution, "bad", depends="{sales: 'newest'}")
    _, errors = order_solutions([sales, ok, old, bad])
    assert [(e.path, e.message) for e in errors] == [
        (("depends", "sales"), "needs sales >=2.0, but version 1.4.2 is given"),
        (
            ("depends", "sales"),
            "'newest' is not a version constraint like '>=1.2' or '^1.0'",
        ),
    ]


def test_cycles_are_reported_once_with_the_whole_loop(write_solution: WriteSolution) -> None:
    a = source(write_solution, "a", depends="[b]")
    b = source(write_solution, "b", depends="[a]")
    c = source(write_solution, "c", depends="[c]")
    ordered, errors = order_solutions([a, b, c])
    assert sorted(s.name for s in ordered) == ["a", "b", "c"]
    assert [e.message for e in errors] == [
        "dependency cycle: a -> b -> a",
        "dependency cycle: c -> c",
    ]
    assert errors[0].suggestion == "a solution cannot depend, directly or not, on itself"
