"""Building blocks of the YAML models: the immutable base model, names, translatable text."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
)
from pydantic_core import PydanticCustomError

from .types import (
    identifier_problem,
    identifier_suggestion,
)


def _check_identifier(value: str) -> str:
    problem = identifier_problem(value)
    if problem:
        # A custom error type carries the suggestion through to the located error.
        raise PydanticCustomError(
            "identifier",
            "{problem}",
            {"problem": problem, "suggestion": identifier_suggestion(value)},
        )
    return value


Identifier = Annotated[str, AfterValidator(_check_identifier)]

#: A yes/no setting. Only true and false: the YAML reader keeps ``yes``/``no``/``on``/
#: ``off`` as text, and this keeps pydantic from turning that text back into a bool.
Flag = StrictBool

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _to_i18n(value: Any) -> Any:
    if isinstance(value, str):
        return {"en": value}
    return value


def _check_i18n(value: dict[str, str]) -> dict[str, str]:
    for lang in value:
        if not LANGUAGE_RE.match(lang):
            raise ValueError(f"{lang!r} is not a language code such as 'en', 'fr' or 'pt-BR'")
    return value


#: A translatable text: either a plain string (English) or ``{en: ..., fr: ...}``.
I18nText = Annotated[dict[str, str], BeforeValidator(_to_i18n), AfterValidator(_check_i18n)]

_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")
_AUTONUMBER_TOKEN_RE = re.compile(r"\{([^{}]*)\}")
_AUTONUMBER_TOKENS = {"seq", "yyyy", "yy", "mm", "dd"}


class Model(BaseModel):
    """Base of every metadata model: immutable, unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
