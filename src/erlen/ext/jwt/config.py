"""The ``JWT_*`` config keys, their defaults, and checked access to them."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from jwt.algorithms import requires_cryptography

from erlen import current_app

__all__ = ["DEFAULTS", "LOCATIONS", "ExpiresDelta", "JWTConfig", "config"]

LOCATIONS = ("headers", "cookies", "query_string", "json")

#: An expiry (``JWT_*_TOKEN_EXPIRES``, ``expires_delta=``): a timedelta, a
#: number of seconds, False for never, or another delta that a datetime adds
#: (``dateutil.relativedelta(months=1)``).
ExpiresDelta = timedelta | int | Literal[False] | Any

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

#: What a configured expiry is tried on, to check it is a usable delta.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

#: A cookie's max age when ``JWT_SESSION_COOKIE`` is off: about a year.
PERSISTENT_COOKIE_MAX_AGE = 31_540_000


class _Setting:
    """A read-only attribute of :class:`JWTConfig` that is one ``JWT_*`` key
    of the current app, as configured."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def __get__(self, instance: JWTConfig | None, owner: type[JWTConfig]) -> Any:
        return self if instance is None else instance[self.key]


class JWTConfig:
    """Reads the current app's ``JWT_*`` keys, checking each on use so a
    misconfiguration fails with a message that names the key.

    ``config["JWT_HEADER_TYPE"]`` reads a key (its default when unset); the
    attributes are Flask-JWT-Extended's (``config.header_type``,
    ``config.access_expires``, ``config.identity_claim_key``...)."""

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
    def json_encoder(self) -> type[json.JSONEncoder]:
        """The ``json.JSONEncoder`` subclass that encodes claims (the app's
        JSON provider's ``default`` for dates, UUIDs, ...)."""
        from .tokens import ClaimsEncoder

        return ClaimsEncoder

    @property
    def locations(self) -> tuple[str, ...]:
        """``JWT_TOKEN_LOCATION`` as a checked tuple, in the order tried."""
        return check_locations(self["JWT_TOKEN_LOCATION"], "JWT_TOKEN_LOCATION")

    @property
    def token_location(self) -> Collection[str]:
        """``JWT_TOKEN_LOCATION`` as configured (a name becomes a 1-tuple),
        checked: a RuntimeError names the key when it is unusable."""
        value = self["JWT_TOKEN_LOCATION"]
        names = check_locations(value, "JWT_TOKEN_LOCATION")
        return value if isinstance(value, (list, tuple, set, frozenset)) else names

    def expires(self, kind: Literal["access", "refresh"]) -> timedelta | Literal[False] | Any:
        key = "JWT_ACCESS_TOKEN_EXPIRES" if kind == "access" else "JWT_REFRESH_TOKEN_EXPIRES"
        return check_expires(self[key], key)

    @property
    def cookie_max_age(self) -> int | None:
        return None if self["JWT_SESSION_COOKIE"] else PERSISTENT_COOKIE_MAX_AGE

    @property
    def csrf_methods(self) -> frozenset[str]:
        return frozenset(str(method).upper() for method in self["JWT_CSRF_METHODS"])

    # -- Flask-JWT-Extended's names for the settings ----------------------------------
    # COMPAT(flask_jwt_extended): code that reads ``config.header_name`` and the
    # like (custom token helpers, tests) works unchanged.

    @property
    def jwt_in_headers(self) -> bool:
        return "headers" in self.locations

    @property
    def jwt_in_cookies(self) -> bool:
        return "cookies" in self.locations

    @property
    def jwt_in_query_string(self) -> bool:
        return "query_string" in self.locations

    @property
    def jwt_in_json(self) -> bool:
        return "json" in self.locations

    @property
    def header_name(self) -> str:
        name = self["JWT_HEADER_NAME"]
        if not name:
            raise RuntimeError("JWT_HEADER_NAME cannot be empty")
        return str(name)

    @property
    def access_expires(self) -> timedelta | Literal[False] | Any:
        return self.expires("access")

    @property
    def refresh_expires(self) -> timedelta | Literal[False] | Any:
        return self.expires("refresh")

    @property
    def identity_claim_key(self) -> str:
        return self.identity_claim

    @property
    def exempt_methods(self) -> frozenset[str]:
        return frozenset({"OPTIONS"})

    header_type = _Setting("JWT_HEADER_TYPE")
    query_string_name = _Setting("JWT_QUERY_STRING_NAME")
    query_string_value_prefix = _Setting("JWT_QUERY_STRING_VALUE_PREFIX")
    json_key = _Setting("JWT_JSON_KEY")
    refresh_json_key = _Setting("JWT_REFRESH_JSON_KEY")
    access_cookie_name = _Setting("JWT_ACCESS_COOKIE_NAME")
    refresh_cookie_name = _Setting("JWT_REFRESH_COOKIE_NAME")
    access_cookie_path = _Setting("JWT_ACCESS_COOKIE_PATH")
    refresh_cookie_path = _Setting("JWT_REFRESH_COOKIE_PATH")
    cookie_secure = _Setting("JWT_COOKIE_SECURE")
    cookie_domain = _Setting("JWT_COOKIE_DOMAIN")
    cookie_samesite = _Setting("JWT_COOKIE_SAMESITE")
    session_cookie = _Setting("JWT_SESSION_COOKIE")
    cookie_csrf_protect = _Setting("JWT_COOKIE_CSRF_PROTECT")
    csrf_request_methods = _Setting("JWT_CSRF_METHODS")
    csrf_in_cookies = _Setting("JWT_CSRF_IN_COOKIES")
    csrf_check_form = _Setting("JWT_CSRF_CHECK_FORM")
    access_csrf_cookie_name = _Setting("JWT_ACCESS_CSRF_COOKIE_NAME")
    refresh_csrf_cookie_name = _Setting("JWT_REFRESH_CSRF_COOKIE_NAME")
    access_csrf_cookie_path = _Setting("JWT_ACCESS_CSRF_COOKIE_PATH")
    refresh_csrf_cookie_path = _Setting("JWT_REFRESH_CSRF_COOKIE_PATH")
    access_csrf_header_name = _Setting("JWT_ACCESS_CSRF_HEADER_NAME")
    refresh_csrf_header_name = _Setting("JWT_REFRESH_CSRF_HEADER_NAME")
    access_csrf_field_name = _Setting("JWT_ACCESS_CSRF_FIELD_NAME")
    refresh_csrf_field_name = _Setting("JWT_REFRESH_CSRF_FIELD_NAME")
    encode_audience = _Setting("JWT_ENCODE_AUDIENCE")
    decode_audience = _Setting("JWT_DECODE_AUDIENCE")
    encode_issuer = _Setting("JWT_ENCODE_ISSUER")
    decode_issuer = _Setting("JWT_DECODE_ISSUER")
    leeway = _Setting("JWT_DECODE_LEEWAY")
    verify_sub = _Setting("JWT_VERIFY_SUB")
    encode_nbf = _Setting("JWT_ENCODE_NBF")

    @property
    def identity_claim(self) -> str:
        return str(self["JWT_IDENTITY_CLAIM"])

    @property
    def error_msg_key(self) -> str:
        return str(self["JWT_ERROR_MESSAGE_KEY"])


def check_locations(locations: Any, where: str) -> tuple[str, ...]:
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


def check_expires(value: Any, where: str) -> timedelta | Literal[False] | Any:
    """An expiry setting: False for never, a number of seconds as a
    timedelta, or anything a datetime can be added to (a timedelta, or
    ``dateutil.relativedelta`` for "one month" and the like)."""
    if value is False:
        return False
    if isinstance(value, bool):
        raise RuntimeError(f"{where} must be a timedelta, a number of seconds, or False")
    if isinstance(value, int):
        return timedelta(seconds=value)
    if isinstance(value, timedelta):
        return value
    # COMPAT(flask_jwt_extended): any delta datetime arithmetic accepts.
    try:
        moved = _EPOCH + value
    except TypeError:
        moved = None
    if not isinstance(moved, datetime):
        raise RuntimeError(
            f"{where} must be a timedelta (or relativedelta), a number of seconds, or False;"
            f" got {value!r}"
        )
    return value


config = JWTConfig()
