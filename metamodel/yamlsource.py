"""Read YAML into plain Python data while remembering where every node came from.

PyYAML's constructors drop source positions, so we compose the node tree ourselves
and record a :class:`Location` per YAML path. Two YAML 1.1 surprises are switched
off because they silently corrupt metadata: ``yes/no/on/off`` are strings here, not
booleans, and duplicate keys are an error instead of "last one wins".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Location, MetamodelError, YamlPath


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader whose booleans are only true/false."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


@dataclass(frozen=True)
class Document:
    """One YAML file: its data, and where each path in it was written."""

    file: str
    data: Any
    value_locations: dict[YamlPath, Location] = field(default_factory=dict)
    key_locations: dict[YamlPath, Location] = field(default_factory=dict)
    #: The quoting style of scalar values (None for plain, "'" or '"', "|" or ">").
    scalar_styles: dict[YamlPath, str | None] = field(default_factory=dict)

    def locate_in_text(self, path: YamlPath, offset: int) -> Location:
        """The location of character ``offset`` inside the scalar at ``path``."""
        base = self.locate(path)
        if path not in self.scalar_styles:
            return base
        style = self.scalar_styles[path]
        if style in ("|", ">"):
            return base
        quote = 1 if style in ("'", '"') else 0
        return Location(base.file, base.line, base.column + quote + offset)

    def locate(self, path: YamlPath, *, key: bool = False) -> Location:
        """The location of ``path``, or of its nearest written ancestor."""
        probe = tuple(path)
        while True:
            if key and probe in self.key_locations:
                return self.key_locations[probe]
            if probe in self.value_locations:
                return self.value_locations[probe]
            if not probe:
                return Location(self.file, 1, 1)
            probe = probe[:-1]


def _location(file: str, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(file)
    return Location(file, mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str, loader: _StrictLoader) -> None:
        self.file = file
        self.loader = loader
        self.values: dict[YamlPath, Location] = {}
        self.keys: dict[YamlPath, Location] = {}
        self.styles: dict[YamlPath, str | None] = {}
        self.errors: list[MetamodelError] = []

    def build(self, node: yaml.Node, path: YamlPath) -> Any:
        self.values[path] = _location(self.file, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build_scalar_key(key_node, path)
                if key in result:
                    first = self.keys.get((*path, key), Location(self.file))
                    self.errors.append(
                        MetamodelError(
                            _location(self.file, key_node.start_mark),
                            (*path, key),
                            f"duplicate key {key!r}",
                            f"it is already set at line {first.line}; keep one of them",
                        )
                    )
                    continue
                self.keys[(*path, key)] = _location(self.file, key_node.start_mark)
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode):
            self.styles[path] = node.style
        return self.loader.construct_object(node, deep=True)

    def build_scalar_key(self, node: yaml.Node, path: YamlPath) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.errors.append(
                MetamodelError(
                    _location(self.file, node.start_mark),
                    path,
                    "a mapping key must be a plain name, not a list or mapping",
                )
            )
            return f"<invalid key at line {node.start_mark.line + 1}>"
        value = self.loader.construct_object(node, deep=True)
        # Keys are names; `1:` or `true:` as a key is almost surely a typo.
        return value if isinstance(value, str) else str(value)


def parse_yaml(text: str, file: str) -> tuple[Document | None, list[MetamodelError]]:
    """Parse one YAML text. Returns the document (None on a syntax error) and the errors."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(file, None), []
        builder = _Builder(file, loader)
        data = builder.build(node, ())
        return Document(file, data, builder.values, builder.keys, builder.styles), builder.errors
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        context = f" {exc.context}" if exc.context else ""
        return None, [
            MetamodelError(
                _location(file, mark),
                (),
                f"YAML syntax error: {problem}{context}",
                "check indentation and quoting around this position",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [MetamodelError(Location(file), (), f"YAML error: {exc}")]
    finally:
        loader.dispose()


def read_yaml(
    path: Path, display: str | None = None
) -> tuple[Document | None, list[MetamodelError]]:
    """Read and parse one YAML file; unreadable files become errors, not exceptions."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [MetamodelError(Location(name), (), f"file is not UTF-8: {exc.reason}")]
    except OSError as exc:
        return None, [MetamodelError(Location(name), (), f"cannot read file: {exc.strerror}")]
    return parse_yaml(text, name)
