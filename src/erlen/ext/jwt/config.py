"""The ``JWT_*`` config keys, their defaults, and checked access to them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, Literal

from jwt.algorithms import requires_cryptography

from erlen import current_app

__all__ = ["DEFAULTS", "LOCATIONS", "JWTConfig", "config"]

LOCATIONS = ("headers", "cookies", "query_string", "json")

#: Every key with its default; ``JWTManager.init_app`` sets them with
#: ``app.config.setdefault``. COMPAT(flask_jwt_extended): the same defaults.
DEFAULTS: dict[str, Any] = {
    "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=15),
    "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=30),
    "JWT_ALGORITHM": "HS256",
    "JWT_DECODE_ALGORITHMS": None,
    "JWT_SECRET_KEY": None,
    "JWT_PRIVATE_KEY": None,
    "JWT_PUBLIC_KEY": None,
    "JWT_TOKEN_LOCATION": ("headers",),
    "JWT_HEADER_NAME": "Authorization",
    "JWT_HEADER_TYPE": "Bearer",
    "JWT_QUERY_STRING_NAME": "jwt",
    "JWT_QUERY_STRING_VALUE_PREFIX": "",
    "JWT_JSON_KEY": "access_token",
    "JWT_REFRESH_JSON_KEY": "refresh_token",
    "JWT_ACCESS_COOKIE_NAME": "access_token_cookie",
    "JWT_ACCESS_COOKIE_PATH": "/",
    "JWT_REFRESH_COOKIE_NAME": "refresh_token_cookie",
    "JWT_REFRESH_COOKIE_PATH": "/",
    "JWT_COOKIE_SECURE": False,
    "JWT_COOKIE_DOMAIN": None,
    "JWT_COOKIE_SAMESITE": None,
    "JWT_SESSION_COOKIE": True,
    "JWT_COOKIE_CSRF_PROTECT": True,
    "JWT_CSRF_METHODS": ["POST", "PUT", "PATCH", "DELETE"],
    "JWT_CSRF_IN_COOKIES": True,
    "JWT_CSRF_CHECK_FORM": False,
    "JWT_ACCESS_CSRF_COOKIE_NAME": "csrf_access_token",
    "JWT_ACCESS_CSRF_COOKIE_PATH": "/",
    "JWT_ACCESS_CSRF_HEADER_NAME": "X-CSRF-TOKEN",
    "JWT_ACCESS_CSRF_FIELD_NAME": "csrf_token",
    "JWT_REFRESH_CSRF_COOKIE_NAME": "csrf_refresh_token",
    "JWT_REFRESH_CSRF_COOKIE_PATH": "/",
    "JWT_REFRESH_CSRF_HEADER_NAME": "X-CSRF-TOKEN",
    "JWT_REFRESH_CSRF_FIELD_NAME": "csrf_token",
    "JWT_IDENTITY_CLAIM": "sub",
    "JWT_VERIFY_SUB": True,
    "JWT_ERROR_MESSAGE_KEY": "msg",
    "JWT_DECODE_AUDIENCE": None,
    "JWT_ENCODE_AUDIENCE": None,
    "JWT_DECODE_ISSUER": None,
    "JWT_ENCODE_ISSUER": None,
    "JWT_DECODE_LEEWAY": 0,
    "JWT_ENCODE_NBF": True,
}

#: A cookie's max age when ``JWT_SESSION_COOKIE`` is off: about a year.
PERSISTENT_COOKIE_MAX_AGE = 31_540_000


class JWTConfig:
    """Reads the current app's ``JWT_*`` keys, checking each on use so a
    misconfiguration fails with a message that names the key."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        return current_app.config.get(key, DEFAULTS[key])

    @property
    def algorithm(self) -> str:
        return str(self["JWT_ALGORITHM"])

    @property
    def is_asymmetric(self) -> bool:
        return self.algorithm in requires_cryptography

    @property
    def decode_algorithms(self) -> list[str]:
        algorithms = self["JWT_DECODE_ALGORITHMS"]
        if not algorithms:
            return [self.algorithm]
        listed = [algorithms] if isinstance(algorithms, str) else list(algorithms)
        if self.algorithm not in listed:
            listed.append(self.algorithm)
        return listed

    @property
    def encode_key(self) -> Any:
        return self._key("JWT_PRIVATE_KEY") if self.is_asymmetric else self._secret_key()

    @property
    def decode_key(self) -> Any:
        return self._key("JWT_PUBLIC_KEY") if self.is_asymmetric else self._secret_key()

    def _secret_key(self) -> Any:
        key = self["JWT_SECRET_KEY"] or current_app.config.get("SECRET_KEY")
        if not key:
            raise RuntimeError(
                f"JWT_SECRET_KEY (or SECRET_KEY) must be set to sign tokens with"
                f" {self.algorithm!r}: app.config['JWT_SECRET_KEY'] = '<a long random secret>'."
            )
        return key

    def _key(self, name: str) -> Any:
        key = self[name]
        if not key:
            raise RuntimeError(f"{name} must be set to use the algorithm {self.algorithm!r}.")
        return key

    @property
    def token_location(self) -> Sequence[str]:
        return check_locations(self["JWT_TOKEN_LOCATION"], "JWT_TOKEN_LOCATION")

    def expires(self, kind: Literal["access", "refresh"]) -> timedelta | Literal[False]:
        key = "JWT_ACCESS_TOKEN_EXPIRES" if kind == "access" else "JWT_REFRESH_TOKEN_EXPIRES"
        return check_expires(self[key], key)

    @property
    def cookie_max_age(self) -> int | None:
        return None if self["JWT_SESSION_COOKIE"] else PERSISTENT_COOKIE_MAX_AGE

    @property
    def csrf_methods(self) -> frozenset[str]:
        return frozenset(str(method).upper() for method in self["JWT_CSRF_METHODS"])

    @property
    def identity_claim(self) -> str:
        return str(self["JWT_IDENTITY_CLAIM"])

    @property
    def error_msg_key(self) -> str:
        return str(self["JWT_ERROR_MESSAGE_KEY"])


def check_locations(locations: Any, where: str) -> Sequence[str]:
    """``locations`` as a tuple of known location names, or a RuntimeError."""
    if isinstance(locations, str):
        locations = (locations,)
    elif not isinstance(locations, Iterable):
        raise RuntimeError(f"{where} must be a location name or a sequence of them")
    names: tuple[str, ...] = tuple(locations)
    if not names:
        raise RuntimeError(f"{where} must contain at least one of {', '.join(LOCATIONS)}")
    for location in names:
        if location not in LOCATIONS:
            raise RuntimeError(f"{where} can only contain {', '.join(LOCATIONS)}; got {location!r}")
    return names


def check_expires(value: Any, where: str) -> timedelta | Literal[False]:
    """An expiry setting as a timedelta (ints are seconds), or False for never."""
    if value is False:
        return False
    if isinstance(value, bool):
        raise RuntimeError(f"{where} must be a timedelta, a number of seconds, or False")
    if isinstance(value, int):
        return timedelta(seconds=value)
    if isinstance(value, timedelta):
        return value
    raise RuntimeError(f"{where} must be a timedelta, a number of seconds, or False; got {value!r}")


config = JWTConfig()
