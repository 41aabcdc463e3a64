"""The parsed ``Authorization`` and ``WWW-Authenticate`` headers."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "Authorization",
    "WWWAuthenticate",
]


# Parameters whose value must be a quoted-string (RFC 7616, RFC 7617).
_QUOTED_AUTH_PARAMS = frozenset(("realm", "domain", "nonce", "opaque", "qop", "charset"))


def _is_token(rest: str) -> bool:
    """Whether credentials or a challenge after the scheme are one token.

    Werkzeug's rule, which extensions rely on: parameters have an ``=``
    before any trailing padding; anything else is an opaque token, also one
    wider than RFC 9110's token68 (Flask-HTTPAuth's ``MyToken tok-en!``).
    """
    return "=" not in rest.rstrip("=")


def _split_auth(value: str) -> tuple[str, str] | None:
    scheme, _, rest = value.strip().partition(" ")
    if not scheme:
        return None
    return scheme.lower(), rest.strip()


class Authorization:
    """A parsed ``Authorization`` header (``request.authorization``).

    ``type`` is the lower-cased scheme. Basic credentials appear as
    ``username`` and ``password``; a token scheme (``Bearer``) as ``token``;
    other parameters through :meth:`get` or as attributes (``auth.realm``).
    """

    __slots__ = ("parameters", "token", "type")

    def __init__(
        self,
        auth_type: str,
        data: Mapping[str, str | None] | None = None,
        token: str | None = None,
    ) -> None:
        self.type = auth_type.lower()
        self.parameters: dict[str, str | None] = dict(data or {})
        self.token = token

    @property
    def username(self) -> str | None:
        """The user name (Basic and Digest)."""
        return self.parameters.get("username")

    @property
    def password(self) -> str | None:
        """The password (Basic)."""
        return self.parameters.get("password")

    def __getattr__(self, name: str) -> str | None:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.parameters.get(name)

    def __getitem__(self, key: str) -> str | None:
        return self.parameters.get(key)

    def get(self, key: str, default: str | None = None) -> str | None:
        """A parameter's value, or ``default``."""
        return self.parameters.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.parameters

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Authorization):
            return NotImplemented
        return (self.type, self.parameters, self.token) == (
            other.type,
            other.parameters,
            other.token,
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_header(cls, value: str | None) -> Authorization | None:
        """Parse a header value; None when it is missing or malformed.

        Basic credentials are base64 of ``user:password`` in UTF-8 (Latin-1 is
        accepted as a fallback); the password may contain ``:``.
        """
        if not value:
            return None
        split = _split_auth(value)
        if split is None:
            return None
        scheme, rest = split
        if scheme == "basic":
            try:
                raw = base64.b64decode(rest.encode("ascii"), validate=True)
            except (ValueError, UnicodeEncodeError):
                return None
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            username, sep, password = text.partition(":")
            if not sep:
                return None
            return cls("basic", {"username": username, "password": password})
        if not rest:
            return cls(scheme)
        if _is_token(rest):
            return cls(scheme, token=rest)
        from erlen.http.headers import parse_dict_header

        return cls(scheme, parse_dict_header(rest))

    def to_header(self) -> str:
        """The header value (``"Basic dXNlcjpwYXNz"``)."""
        if self.type == "basic":
            raw = f"{self.username or ''}:{self.password or ''}".encode()
            return f"Basic {base64.b64encode(raw).decode('ascii')}"
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        from erlen.http.headers import dump_header

        return f"{self.type.title()} {dump_header(self.parameters)}".rstrip()

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


class _ParamDict(dict[str, "str | None"]):
    __slots__ = ("owner",)
    owner: WWWAuthenticate

    def __setitem__(self, key: str, value: str | None) -> None:
        super().__setitem__(key, value)
        self.owner._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.owner._changed()


class WWWAuthenticate:
    """A ``WWW-Authenticate`` challenge (``Basic realm="app"``).

    Parameters are read and written as items or attributes
    (``auth.realm = "app"``); ``on_update`` is called after a change so a
    response can rewrite its header.
    """

    __slots__ = ("_params", "_token", "_type", "on_update")
    _params: _ParamDict
    _token: str | None
    _type: str
    on_update: Callable[[WWWAuthenticate], None] | None

    def __init__(
        self,
        auth_type: str,
        values: Mapping[str, str | None] | None = None,
        token: str | None = None,
    ) -> None:
        object.__setattr__(self, "on_update", None)
        object.__setattr__(self, "_type", auth_type.lower())
        params = _ParamDict(values or {})
        params.owner = self
        object.__setattr__(self, "_params", params)
        object.__setattr__(self, "_token", token)

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    @property
    def type(self) -> str:
        """The lower-cased scheme (``"basic"``)."""
        return self._type

    @type.setter
    def type(self, value: str) -> None:
        object.__setattr__(self, "_type", value.lower())
        self._changed()

    @property
    def parameters(self) -> dict[str, str | None]:
        """The challenge's parameters (changes call ``on_update``)."""
        return self._params

    @parameters.setter
    def parameters(self, value: Mapping[str, str | None]) -> None:
        params = _ParamDict(value)
        params.owner = self
        object.__setattr__(self, "_params", params)
        self._changed()

    @property
    def token(self) -> str | None:
        """A token68 value instead of parameters, if any."""
        return self._token

    @token.setter
    def token(self, value: str | None) -> None:
        object.__setattr__(self, "_token", value)
        self._changed()

    def __getattr__(self, name: str) -> str | None:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._params.get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("type", "parameters", "token", "on_update"):
            object.__setattr__(self, name, value)
        elif value is None:
            self._params.pop(name, None)
            self._changed()
        else:
            self._params[name] = value

    def __getitem__(self, key: str) -> str | None:
        return self._params.get(key)

    def __setitem__(self, key: str, value: str | None) -> None:
        if value is None:
            if key in self._params:
                del self._params[key]
        else:
            self._params[key] = value

    def get(self, key: str, default: str | None = None) -> str | None:
        """A parameter's value, or ``default``."""
        return self._params.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._params

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WWWAuthenticate):
            return NotImplemented
        return (self._type, dict(self._params), self._token) == (
            other._type,
            dict(other._params),
            other._token,
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_header(cls, value: str | None) -> WWWAuthenticate | None:
        """Parse a header value; None when it is missing."""
        if not value:
            return None
        split = _split_auth(value)
        if split is None:
            return None
        scheme, rest = split
        if rest and _is_token(rest):
            return cls(scheme, token=rest)
        from erlen.http.headers import parse_dict_header

        return cls(scheme, parse_dict_header(rest) if rest else None)

    def to_header(self) -> str:
        """The header value (``'Basic realm="app"'``)."""
        if self._token is not None:
            return f"{self._type.title()} {self._token}"
        from erlen.http.headers import quote_header_value

        params = ", ".join(
            key
            if value is None
            else f"{key}={quote_header_value(value, allow_token=key not in _QUOTED_AUTH_PARAMS)}"
            for key, value in self._params.items()
        )
        return f"{self._type.title()} {params}".rstrip()

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"
