"""Password hashing that reads and writes Werkzeug's stored format.

A stored hash is ``method$salt$hexdigest``, for example
``scrypt:32768:8:1$Yx9...$4f2a...`` or ``pbkdf2:sha256:1000000$Yx9...$4f2a...``,
so hashes made by ``werkzeug.security`` (and so by Flask apps) verify here and
the other way round.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

# COMPAT(werkzeug): werkzeug.security has safe_join; erlen keeps it with the
# other path helpers and makes it importable from here too.
from .utils import safe_join

__all__ = [
    "DEFAULT_PBKDF2_ITERATIONS",
    "check_password_hash",
    "gen_salt",
    "generate_password_hash",
    "safe_join",
]

SALT_CHARS = string.ascii_letters + string.digits

#: Rounds used for ``pbkdf2`` when the method does not say.
DEFAULT_PBKDF2_ITERATIONS = 1_000_000  # Werkzeug 3.1's

_SCRYPT_DEFAULTS = (2**15, 8, 1)


def gen_salt(length: int) -> str:
    """Return ``length`` random letters and digits from a secure source."""
    if length <= 0:
        raise ValueError("Salt length must be at least 1.")
    return "".join(secrets.choice(SALT_CHARS) for _ in range(length))


def _hash(method: str, salt: str, password: str) -> tuple[str, str]:
    """Return ``(full method string, hex digest)``; ``ValueError`` for a bad method."""
    name, *args = method.split(":")
    salt_bytes = salt.encode()
    password_bytes = password.encode()

    if name == "scrypt":
        if not args:
            n, r, p = _SCRYPT_DEFAULTS
        elif len(args) == 3:
            n, r, p = (int(arg) for arg in args)
        else:
            raise ValueError("scrypt takes 'scrypt' or 'scrypt:n:r:p'.")
        # Memory scrypt needs is 128 * n * r * p; hashlib wants a little headroom.
        maxmem = 132 * n * r * p
        digest = hashlib.scrypt(password_bytes, salt=salt_bytes, n=n, r=r, p=p, maxmem=maxmem)
        return f"scrypt:{n}:{r}:{p}", digest.hex()

    if name == "pbkdf2":
        if len(args) > 2:
            raise ValueError("pbkdf2 takes 'pbkdf2', 'pbkdf2:hash' or 'pbkdf2:hash:iterations'.")
        hash_name = args[0] if args else "sha256"
        iterations = int(args[1]) if len(args) == 2 else DEFAULT_PBKDF2_ITERATIONS
        if iterations < 1:
            raise ValueError("pbkdf2 needs at least one iteration.")
        digest = hashlib.pbkdf2_hmac(hash_name, password_bytes, salt_bytes, iterations)
        return f"pbkdf2:{hash_name}:{iterations}", digest.hex()

    raise ValueError(f"Unknown password hashing method {name!r}.")


def generate_password_hash(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
    """Hash ``password`` with a random salt, for storing in place of the password.

    ``method`` is ``"scrypt"`` (the default, ``scrypt:32768:8:1``), or
    ``"scrypt:n:r:p"``, or ``"pbkdf2"`` (``pbkdf2:sha256:1000000``), optionally
    with the hash and rounds: ``"pbkdf2:sha512:700000"``. An unknown method
    raises ``ValueError``. Check a login with :func:`check_password_hash`::

        stored = generate_password_hash("hunter2")
        check_password_hash(stored, "hunter2")   # True
    """
    salt = gen_salt(salt_length)
    actual_method, digest = _hash(method, salt, password)
    return f"{actual_method}${salt}${digest}"


def check_password_hash(pwhash: str, password: str) -> bool:
    """Return whether ``password`` matches ``pwhash`` from :func:`generate_password_hash`.

    Accepts the formats Werkzeug writes (``scrypt``, ``pbkdf2:sha256``,
    ``pbkdf2:sha512``, with or without explicit parameters). A malformed hash
    or an unknown method gives ``False``. The comparison takes the same time
    wherever the digests differ.
    """
    if pwhash.count("$") < 2:
        return False
    method, salt, expected = pwhash.split("$", 2)
    try:
        _, digest = _hash(method, salt, password)
    except (ValueError, TypeError, OverflowError, MemoryError):
        return False
    # SECURITY: constant-time comparison, so response times do not reveal how
    # many leading characters of a guessed digest were right.
    return hmac.compare_digest(digest.encode(), expected.encode())
