"""Settings, read once from ``XRM_*`` environment variables in the composition root."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting the platform reads; see the README for the list."""

    model_config = SettingsConfigDict(env_prefix="XRM_", frozen=True, extra="ignore")

    #: Any SQLAlchemy URL. SQLite (the default) is embedded; PostgreSQL is for production.
    database_url: str = "sqlite:///var/xrm.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1)
    #: Where uploaded files are stored.
    files_dir: Path = Path("var/files")
    #: Currency of money fields that do not set one.
    default_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    #: Solution folders to serve when none are recorded as installed (path-separated).
    solutions: str = ""
    log_level: str = "info"
