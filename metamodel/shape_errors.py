"""Turn pydantic's validation errors into located metamodel errors with suggestions."""

from __future__ import annotations

import copy
import re
import types
import typing
from enum import Enum
from typing import Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import MetamodelError, YamlPath, did_you_mean
from .yamlsource import Document

_QUOTED = re.compile(r"'([^']*)'")


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete alternatives an annotation allows (Annotated, Optional, unions peeled)."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        out: list[Any] = []
        for arg in get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    return [annotation]


def _model_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _step(candidates: list[Any], element: str | int) -> list[Any]:
    """Follow one loc element from the possible types at a position to the next position."""
    out: list[Any] = []
    for candidate in candidates:
        origin = get_origin(candidate)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            info = candidate.model_fields.get(str(element))
            if info is not None:
                out.extend(_unwrap(info.annotation))
            elif element == candidate.__name__:
                out.append(candidate)
            else:
                tag = candidate.model_fields.get("type")
                if tag is not None and str(element) in _literal_values(tag.annotation):
                    out.append(candidate)
        elif origin is dict:
            out.extend(_unwrap(get_args(candidate)[1]))
        elif origin in (list, tuple):
            out.extend(_unwrap(get_args(candidate)[0]))
    return out


def _literal_values(annotation: Any) -> list[str]:
    values: list[str] = []
    for arg in get_args(annotation):
        values.append(arg.value if isinstance(arg, Enum) else str(arg))
    return values


def _types_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> list[Any]:
    candidates: list[Any] = [root]
    for element in loc:
        candidates = _step(candidates, element) or candidates
    return candidates


def _data_path(data: Any, loc: tuple[str | int, ...]) -> YamlPath:
    """Map pydantic's loc (which includes union tags and '[key]') onto the YAML data path."""
    path: list[str | int] = []
    current = data
    for element in loc:
        if isinstance(current, dict) and element in current:
            path.append(element)
            current = current[element]
            continue
        if isinstance(current, list) and isinstance(element, int) and element < len(current):
            path.append(element)
            current = current[element]
    return tuple(path)


def _clean(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _translate(
    error: ErrorDetails,
    root: type[BaseModel],
    document: Document,
    base: YamlPath,
    data: Any = None,
) -> MetamodelError:
    """One pydantic error as a located metamodel error; ``data`` is what was validated."""
    loc = tuple(error["loc"])
    kind = error["type"]
    validated = _subtree(document.data, base) if data is None else data
    path = (*base, *_data_path(validated, loc))
    suggestion: str | None = None
    message = _clean(error["msg"])
    at_key = False
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed: list[str] = []
        for candidate in _types_at(root, loc[:-1]):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                allowed.extend(_model_keys(candidate))
        message = f"unknown key {key!r}"
        suggestion = did_you_mean(key, allowed)
        at_key = True
    elif kind == "missing":
        message = f"missing required key {loc[-1]!r}"
    elif kind == "union_tag_invalid":
        context = error.get("ctx") or {}
        expected = _QUOTED.findall(str(context.get("expected_tags", "")))
        tag = context.get("tag")
        message = f"unknown type {tag!r}"
        suggestion = did_you_mean(str(tag), expected)
        path = (*path, "type")
    elif kind == "union_tag_not_found":
        context = error.get("ctx") or {}
        message = f"missing key {context.get('discriminator', 'type')!r}".replace('"', "")
        expected = [
            value
            for candidate in _types_at(root, loc)
            if isinstance(candidate, type) and issubclass(candidate, BaseModel)
            for value in _literal_values(
                candidate.model_fields["type"].annotation
                if "type" in candidate.model_fields
                else None
            )
        ]
        suggestion = "set type: to one of " + ", ".join(expected) if expected else None
    elif kind in ("enum", "literal_error"):
        context = error.get("ctx") or {}
        expected = _QUOTED.findall(str(context.get("expected", "")))
        given = error.get("input")
        message = f"{given!r} is not allowed here"
        suggestion = did_you_mean(str(given), [e for e in expected if e])
    elif kind == "identifier":
        context = error.get("ctx") or {}
        suggestion = context.get("suggestion")
        at_key = loc[-1:] == ("[key]",)
    elif kind == "string_type":
        given = error.get("input")
        message = f"expected text, not {given!r}"
        suggestion = (
            "put it in quotes; YAML reads unquoted numbers and dates as numbers and dates"
            if given is not None
            else None
        )
    elif kind in ("bool_type", "bool_parsing"):
        message = f"expected true or false, not {error.get('input')!r}"
        suggestion = "yes, no, on and off are read as text here; write true or false"
    elif loc and loc[-1] == "[key]":
        at_key = True
    location = document.locate(path, key=at_key)
    return MetamodelError(location, path, message, suggestion)


def _subtree(data: Any, base: YamlPath) -> Any:
    for element in base:
        data = data[element]
    return data


def shape_errors(
    exc: ValidationError, root: type[BaseModel], document: Document, base: YamlPath = ()
) -> list[MetamodelError]:
    """Every problem pydantic found, located in ``document`` (``base`` = where the model sits)."""
    return [_translate(error, root, document, base) for error in exc.errors()]


M = TypeVar("M", bound=BaseModel)


#: Containers whose entries are independent: a broken entry is dropped and the rest
#: still validated, so one bad field (or form field, option, record…) does not hide
#: the errors of the others, nor take its siblings down with it.
_PRUNABLE = frozenset(
    {
        "entities",
        "fields",
        "relations",
        "indexes",
        "tabs",
        "sections",
        "related",
        "columns",
        "sort",
        "records",
        "rules",
        "options",
    }
)


class _Hole:
    """Stands in for a pruned list item until the list is compacted."""


_HOLE = _Hole()


def _prune(data: Any, loc: tuple[str | int, ...]) -> bool:
    """Remove the innermost entry holding the error at ``loc``; False if none could be."""
    path = _data_path(data, loc)
    cut = 1
    for index in range(1, len(path)):
        if isinstance(path[index - 1], str) and path[index - 1] in _PRUNABLE:
            cut = index + 1
    target = path[:cut]
    if not target:
        return False
    parent = data
    for element in target[:-1]:
        parent = parent[element]
    last = target[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
        return True
    if isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        parent[last] = _HOLE
        return True
    return False


def _drop_holes(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _drop_holes(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_drop_holes(item) for item in data if item is not _HOLE]
    return data


def validate_model(
    model: type[M], document: Document, base: YamlPath = ()
) -> tuple[M | None, list[MetamodelError]]:
    """Validate the data of ``document`` at ``base`` as ``model``.

    On failure, the broken entries are pruned and validation retried, so the caller
    still gets a (partial) model to cross-check and every error is reported once.
    """
    data = _subtree(document.data, base)
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        errors = shape_errors(exc, model, document, base)
        first = exc
    pruned = copy.deepcopy(data)
    for _ in range(3):
        if not all(_prune(pruned, tuple(e["loc"])) for e in first.errors()):
            return None, errors
        pruned = _drop_holes(pruned)
        try:
            return model.model_validate(pruned), errors
        except ValidationError as again:
            # Checks of a whole model (a manifest's version, say) only run once its
            # keys are valid, so a retry can find problems the first pass could not.
            first = again
            errors.extend(_located(again, model, document, base, pruned, errors))
    return None, errors


def _located(
    exc: ValidationError,
    root: type[BaseModel],
    document: Document,
    base: YamlPath,
    data: Any,
    known: list[MetamodelError],
) -> list[MetamodelError]:
    """Errors of a retry on pruned ``data``, located in ``document``; new ones only."""
    seen = {(e.location, e.message) for e in known}
    original = _subtree(document.data, base)
    found: list[MetamodelError] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        if error["type"] == "missing" and len(_data_path(original, loc)) == len(loc):
            continue  # written, but pruned for its own (already reported) error
        located = _translate(error, root, document, base, data)
        if (located.location, located.message) not in seen:
            seen.add((located.location, located.message))
            found.append(located)
    return found
