"""What the screens need for their whole life, built once when the application starts.

:func:`build_screens` takes the composition root's objects (settings, engine,
Registry, storage model) and prepares everything derived from them: the access
control, the UI catalogues, the form rules (every condition and formula checked),
the Jinja environment, and the option colour stylesheet. The application keeps the
result in ``app.state.screens``; handlers get it with :func:`screens_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import jinja2
from sqlalchemy.engine import Engine
from starlette.requests import HTTPConnection

from xrm.metamodel.registry import Registry
from xrm.platform.access.control import AccessControl
from xrm.platform.settings import Settings
from xrm.platform.storage.tables import StorageModel
from xrm.platform.web.auth import Identity, request_identity

from . import urls
from .i18n import Languages
from .rules import Rules
from .widgets import option_class

UI_DIR: Final = Path(__file__).resolve().parent
TEMPLATES_DIR: Final = UI_DIR / "templates"
STATIC_DIR: Final = UI_DIR / "static"

#: Who is asking (blocking; None: nobody signed in). The application's is
#: :func:`xrm.platform.web.auth.request_identity`.
Identify = Callable[[HTTPConnection], Identity | None]


@dataclass(frozen=True)
class Screens:
    settings: Settings
    engine: Engine
    registry: Registry
    storage: StorageModel
    access: AccessControl
    languages: Languages
    rules: Rules
    templates: jinja2.Environment
    option_css: str
    identify: Identify


def option_stylesheet(registry: Registry) -> str:
    """One class per coloured option (``.opt-account-relationship-customer``), so templates
    colour options without inline styles (the Content-Security-Policy forbids them)."""
    lines: list[str] = []
    for entity in registry.entities.values():
        for name, definition in entity.fields.items():
            for option in getattr(definition, "options", None) or ():
                if option.color:
                    css = option_class(entity.entity, name, option.value)
                    lines.append(f".{css}{{--opt:{option.color}}}")
    return "\n".join(lines) + "\n"


def template_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["urls"] = urls
    return environment


def build_screens(
    settings: Settings,
    engine: Engine,
    registry: Registry,
    storage: StorageModel,
    *,
    access: AccessControl | None = None,
    identify: Identify = request_identity,
) -> Screens:
    return Screens(
        settings=settings,
        engine=engine,
        registry=registry,
        storage=storage,
        access=access or AccessControl(storage),
        languages=Languages.load(),
        rules=Rules.build(registry),
        templates=template_environment(),
        option_css=option_stylesheet(registry),
        identify=identify,
    )


def screens_of(request: HTTPConnection) -> Screens:
    found: Screens = request.app.state.screens
    return found
