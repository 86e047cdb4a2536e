"""Password policy (OWASP ASVS 5, V6.2) and hashing. No Flask, no database.

Rules: at least 8 characters, at least 128 allowed, no composition rules,
refused when it is one of ~20,000 breached passwords or built from the
user's own name or e-mail address.
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128

#: Words of this service (ASVS 6.1.2): a password built from them is as guessable as a listed one.
CONTEXT_WORDS = ("gongbang", "공방", "kongbang")

#: Problem codes returned by :func:`check_password`.
TOO_SHORT, TOO_LONG, COMMON, PERSONAL = "too_short", "too_long", "common", "personal"


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "common-passwords.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


def _normalise(text: str) -> str:
    # NFKC so that full-width or composed forms cannot sneak a listed password past the check.
    return unicodedata.normalize("NFKC", text).casefold()


def check_password(password: str, personal: tuple[str, ...] = ()) -> list[str]:
    """Return the policy problems of ``password`` (an empty list means acceptable).

    :param personal: the user's own words (name, e-mail) that must not make up the password.
    """
    length = len(unicodedata.normalize("NFC", password))
    if length < MIN_LENGTH:
        return [TOO_SHORT]
    if length > MAX_LENGTH:
        return [TOO_LONG]
    norm = _normalise(password)
    problems = []
    if (
        norm in _common_passwords()
        or norm.strip("0123456789!@#$%^&*.") in _common_passwords()
        or any(w in norm and len(norm) - len(w) < 6 for w in CONTEXT_WORDS)
    ):
        problems.append(COMMON)
    words = {
        _normalise(w) for p in personal for w in p.replace("@", " ").replace(".", " ").split() if len(w) >= 3
    }
    if words and any(w in norm for w in words) and len(norm) - max(len(w) for w in words if w in norm) < 4:
        problems.append(PERSONAL)
    return problems


class Hasher:
    """Argon2id hashing; parameters are configurable so tests can run fast."""

    def __init__(self, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 2):
        self._ph = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        # Verified against when the account does not exist, so that the response
        # takes as long as for a real account (no enumeration by timing).
        self._dummy = self._ph.hash("not a real password")

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._ph.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._ph.check_needs_rehash(stored)
