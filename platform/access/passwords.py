"""Password hashing with argon2id (argon2-cffi), upgraded on login when parameters change.

Hashes are self-describing (``$argon2id$v=19$m=65536,t=3,p=4$salt$digest``), so a
hash made with older parameters still verifies, and :meth:`Passwords.verify` hands
back a new hash to store. Tests pass cheap :class:`PasswordParams` explicitly; there
is no global "test mode".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .errors import AccessError

#: Shorter passwords are refused when set.
MIN_LENGTH: Final = 10
#: Longer ones too: hashing megabytes of "password" is a denial of service.
MAX_LENGTH: Final = 1024


@dataclass(frozen=True)
class PasswordParams:
    """argon2id cost parameters; the defaults are RFC 9106's low-memory profile."""

    time_cost: int = 3
    memory_cost: int = 65_536  # KiB
    parallelism: int = 4


@dataclass(frozen=True)
class Verified:
    """The outcome of checking a password: ``rehash`` is the new hash to store, if any."""

    ok: bool
    rehash: str | None = None


class Passwords:
    """Hash and verify passwords with one set of parameters."""

    def __init__(self, params: PasswordParams | None = None) -> None:
        self.params = params or PasswordParams()
        self._hasher = PasswordHasher(
            time_cost=self.params.time_cost,
            memory_cost=self.params.memory_cost,
            parallelism=self.params.parallelism,
        )
        # Verified against when the login name is unknown, so both cases cost the same
        # (made on first need: a process that never checks a password never pays).
        self._decoy: str | None = None

    def hash(self, password: str) -> str:
        check_strength(password)
        return self._hasher.hash(password)

    def verify(self, encoded: str | None, password: str) -> Verified:
        """Whether ``password`` matches ``encoded`` (None: no such user, still costs the same)."""
        if len(password) > MAX_LENGTH:
            return Verified(False)
        if encoded is None and self._decoy is None:
            self._decoy = self._hasher.hash("xrm decoy password")
        try:
            self._hasher.verify(encoded or self._decoy or "", password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return Verified(False)
        if encoded is None:
            return Verified(False)
        if self._hasher.check_needs_rehash(encoded):
            return Verified(True, self._hasher.hash(password))
        return Verified(True)


def check_strength(password: str) -> None:
    """Refuse passwords too short or too long to be sensible."""
    if len(password) < MIN_LENGTH:
        raise AccessError(
            f"the password is {len(password)} characters long; it needs at least {MIN_LENGTH}",
            "use a passphrase of several words",
        )
    if len(password) > MAX_LENGTH:
        raise AccessError(f"the password is longer than {MAX_LENGTH} characters")
