"""Reading one solution folder: which files hold what, and every shape error kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from xrm.metamodel.solution import load_solution

WriteSolution = Callable[..., Path]


def test_files_are_sorted_into_their_kinds(write_solution: WriteSolution) -> None:
    root = write_solution(
        {
            "entities/b.yaml": "entity: b\n",
            "entities/a.yml": "entity: a\n",
            "entities/user.yaml": "extend: user\n",
            "entities/notes.txt": "not metadata",
            "forms/f.yaml": "form: f\nentity: a\ntabs: [{name: t, sections: [{name: s}]}]\n",
            "forms/g.yaml": "extend_form: f\n",
            "views/v.yaml": "view: v\nentity: a\ncolumns: [id]\n",
            "roles/r.yaml": "role: r\n",
            "i18n/pt-BR.yaml": "strings: {hello: Olá}\n",
            "data/01.yaml": "entity: a\nrecords: []\n",
            ".git/config.yaml": "ignored: true\n",
        },
        name="shop",
        manifest="label: Shop\ndepends: {system: '>=1'}\n",
    )
    source, errors = load_solution(root)
    assert errors == []
    assert source is not None
    assert source.name == "shop"
    assert source.manifest.model.depends == {"system": ">=1"}
    assert [e.model.entity for e in source.entities] == ["a", "b"]
    assert [e.model.extend for e in source.extensions] == ["user"]
    assert [f.model.form for f in source.forms] == ["f"]
    assert [f.model.extend_form for f in source.form_extensions] == ["f"]
    assert [v.model.view for v in source.views] == ["v"]
    assert [r.model.role for r in source.roles] == ["r"]
    assert [lang for lang, _ in source.translations] == ["pt-BR"]
    assert [d.model.entity for d in source.data] == ["a"]
    # Each model keeps the document it came from, for locating later errors.
    assert source.entities[0].document.file.endswith("entities/a.yml")


def test_shape_errors_of_every_file_are_collected(write_solution: WriteSolution) -> None:
    root = write_solution(
        {
            "entities/a.yaml": "entity: a\nlabl: A\n",
            "views/v.yaml": "view: v\nentity: a\n",
            "roles/r.yaml": "role: r\nadmin: yes\n",
        }
    )
    source, errors = load_solution(root)
    assert source is not None
    assert [(Path(e.location.file).name, e.message) for e in errors] == [
        ("a.yaml", "unknown key 'labl'"),
        ("v.yaml", "missing required key 'columns'"),
        ("r.yaml", "expected true or false, not 'yes'"),
    ]
    # What validated still loads, so cross-checks can run on it.
    assert [e.model.entity for e in source.entities] == ["a"]
    assert source.views == ()


def test_a_broken_manifest_gives_no_source(write_solution: WriteSolution) -> None:
    root = write_solution({"solution.yaml": "name: Shop\nversion: 1\n"})
    source, errors = load_solution(root)
    assert source is None
    assert [(e.path, e.message) for e in errors] == [
        (
            ("name",),
            "'Shop' is not a valid name: use lowercase letters, digits and underscores, "
            "starting with a letter",
        ),
        (("version",), "expected text, not 1"),
    ]
    assert errors[1].suggestion == (
        "put it in quotes; YAML reads unquoted numbers and dates as numbers and dates"
    )
