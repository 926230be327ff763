"""Uploaded files: the blob under ``Settings.files_dir``, its description in ``xrm_file``.

A file field holds the id of an ``xrm_file`` row (name, type, size, SHA-256, where
the blob is). Blobs are stored under a random key, never under the name the user
gave, so no upload can choose a path. The row is written in the request's
transaction: if the record is then refused, the row goes with it (the blob stays
as an orphan, harmless and collectable).

Downloads go through the record (:func:`open_file` is given the id the record's
field holds, after the repository returned the record to the user), so whoever may
not read the record cannot fetch its files.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import mimetypes
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.metamodel.schema import FileField
from xrm.platform.storage.tables import StorageModel

_CHUNK: Final = 1 << 16
#: Files larger than this are refused when the field sets no ``max_size``.
DEFAULT_MAX_SIZE: Final = 25_000_000


class UploadRefused(Exception):
    """A file the field does not take (too large, wrong type); ``key`` is a catalogue key."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class StoredFile:
    id: UUID
    filename: str
    content_type: str
    size: int
    path: Path


def _accepted(field: FileField, filename: str, content_type: str) -> bool:
    if not field.accept:
        return True
    suffix = Path(filename).suffix.lower()
    for pattern in field.accept:
        pattern = pattern.lower()
        if pattern.startswith("."):
            if suffix == pattern:
                return True
        elif fnmatch.fnmatchcase(content_type.lower(), pattern):
            return True
    return False


def _clean_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name.strip() or "file"
    return "".join(ch for ch in name if ch.isprintable())[:255]


def store_upload(
    connection: Connection,
    storage: StorageModel,
    files_dir: Path,
    field: FileField,
    filename: str,
    content_type: str | None,
    stream: BinaryIO,
    user_id: UUID | None,
) -> UUID:
    """Store an upload for ``field``; its ``xrm_file`` id. UploadRefused if it does not fit."""
    name = _clean_name(filename)
    kind = (content_type or "").split(";", 1)[0].strip() or (
        mimetypes.guess_type(name)[0] or "application/octet-stream"
    )
    if not _accepted(field, name, kind):
        raise UploadRefused("file.wrong_type", accepted=", ".join(field.accept))
    limit = field.max_size or DEFAULT_MAX_SIZE
    key = secrets.token_hex(16)
    folder = files_dir / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / key
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise UploadRefused("file.too_large", limit=limit)
            digest.update(chunk)
            out.write(chunk)
    file_id = uuid4()
    connection.execute(
        sa.insert(storage.system.file).values(
            id=file_id,
            filename=name,
            content_type=kind,
            size=size,
            sha256=digest.hexdigest(),
            storage_key=f"{key[:2]}/{key}",
            created_at=dt.datetime.now(dt.UTC),
            created_by=user_id,
        )
    )
    return file_id


def open_file(
    connection: Connection, storage: StorageModel, files_dir: Path, file_id: UUID
) -> StoredFile | None:
    """The stored file ``file_id`` (None if its row or blob is gone)."""
    table = storage.system.file
    row = connection.execute(sa.select(table).where(table.c.id == file_id)).first()
    if row is None:
        return None
    path = (files_dir / row.storage_key).resolve()
    if files_dir.resolve() not in path.parents or not path.is_file():
        return None
    return StoredFile(row.id, row.filename, row.content_type, row.size, path)
