"""The test client's cookie jar: cookies set by responses, sent back on requests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from erlen.http.cookies import dump_cookie, parse_cookie, parse_set_cookie
from erlen.http.wsgi import _environ_host
from erlen.http.wsgi import _url_path as _wsgi_url_path

from .builder import _host_name

__all__ = ["Cookie", "CookieJar"]


@dataclass(eq=False)
class Cookie:
    """A cookie in the test client's jar (see :meth:`ErlenClient.get_cookie`).

    ``key`` and ``value`` are as the client sends them; ``decoded_key`` and
    ``decoded_value`` as the app reads them. ``domain`` is the request's host
    when the cookie set no ``Domain``, and then ``origin_only`` is true (it
    is not sent to subdomains).
    """

    key: str
    value: str
    decoded_key: str
    decoded_value: str
    expires: datetime | None
    max_age: int | None
    domain: str
    origin_only: bool
    path: str
    secure: bool
    http_only: bool
    same_site: str | None
    partitioned: bool = False
    _expiry: datetime | None = field(default=None, repr=False)

    def _matches(self, server_name: str, path: str) -> bool:
        if server_name != self.domain and (
            self.origin_only or not server_name.endswith("." + self.domain)
        ):
            return False
        if path == self.path:
            return True
        if not path.startswith(self.path):
            return False
        return self.path.endswith("/") or path[len(self.path)] == "/"

    def _expired(self, now: datetime) -> bool:
        return self._expiry is not None and self._expiry <= now

    @classmethod
    def _from_header(cls, server_name: str, request_path: str, header: str) -> Cookie:
        pair = header.partition(";")[0]
        raw_key, _, raw_value = pair.partition("=")
        key, value = raw_key.strip(), raw_value.strip()
        parsed = parse_set_cookie(header)
        decoded = parse_cookie(f"{key}={value}")
        decoded_value = decoded.get(key)
        if decoded_value is None:
            decoded_value = str(getattr(parsed, "value", value))
        domain = getattr(parsed, "domain", None) or None
        path = getattr(parsed, "path", None)
        if not path or not path.startswith("/"):
            path = _default_cookie_path(request_path)
        max_age = getattr(parsed, "max_age", None)
        if isinstance(max_age, timedelta):
            max_age = int(max_age.total_seconds())
        expires = getattr(parsed, "expires", None)
        if expires is not None and expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        now = datetime.now(UTC)
        expiry = now + timedelta(seconds=max_age) if max_age is not None else expires
        return cls(
            key=key,
            value=value,
            decoded_key=key,
            decoded_value=decoded_value,
            expires=expires,
            max_age=max_age,
            domain=(domain or server_name).lstrip(".").lower(),
            origin_only=domain is None,
            path=path,
            secure=bool(getattr(parsed, "secure", False)),
            http_only=bool(getattr(parsed, "httponly", False)),
            same_site=getattr(parsed, "samesite", None),
            partitioned=bool(getattr(parsed, "partitioned", False)),
            _expiry=expiry,
        )


def _default_cookie_path(request_path: str) -> str:
    # RFC 6265 §5.1.4: the directory of the request path.
    if not request_path.startswith("/") or request_path.count("/") == 1:
        return "/"
    return request_path.rpartition("/")[0]


class CookieJar:
    """The cookies a test client keeps, keyed by ``(domain, path, name)``.

    It follows RFC 6265 closely enough for tests: domain and path matching,
    expiry by ``Max-Age`` or ``Expires``, and longer paths sent first.
    """

    __slots__ = ("_cookies",)

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {}

    def __len__(self) -> int:
        return len(self._cookies)

    def __iter__(self) -> Iterator[Cookie]:
        return iter(list(self._cookies.values()))

    def get(self, key: str, domain: str = "localhost", path: str = "/") -> Cookie | None:
        """Return the live cookie ``key`` stored for ``domain`` and ``path``, or None."""
        storage_key = (domain, path, key)
        cookie = self._cookies.get(storage_key)
        if cookie is not None and cookie._expired(datetime.now(UTC)):
            del self._cookies[storage_key]
            return None
        return cookie

    def set(
        self,
        key: str,
        value: str = "",
        *,
        domain: str = "localhost",
        origin_only: bool = True,
        path: str = "/",
        **kwargs: Any,
    ) -> None:
        """Store a cookie as if a response for ``domain`` had set it."""
        header = dump_cookie(key, value, path=path, **kwargs)
        cookie = Cookie._from_header(domain, path, header)
        cookie.domain = domain.lstrip(".").lower()
        cookie.origin_only = origin_only
        self.store(cookie)

    def delete(self, key: str, *, domain: str = "localhost", path: str = "/") -> None:
        """Forget the cookie ``key`` stored for ``domain`` and ``path``."""
        self._cookies.pop((domain, path, key), None)

    def store(self, cookie: Cookie) -> None:
        """Keep ``cookie``, replacing one of the same name, domain and path; an
        expired cookie removes that one instead."""
        storage_key = (cookie.domain, cookie.path, cookie.key)
        if cookie._expired(datetime.now(UTC)):
            self._cookies.pop(storage_key, None)
        else:
            self._cookies[storage_key] = cookie

    def extract(self, environ: Mapping[str, Any], headers: Iterable[str]) -> None:
        """Store the cookies of ``Set-Cookie`` header values answering ``environ``."""
        server_name = _host_name(_environ_host(environ))
        path = _wsgi_url_path(environ)
        for header in headers:
            try:
                cookie = Cookie._from_header(server_name, path, header)
            except ValueError:
                # RFC 6265 §5.2: a Set-Cookie without a name=value pair is ignored.
                continue
            self.store(cookie)

    def header_for(self, environ: Mapping[str, Any]) -> str | None:
        """The ``Cookie`` header value to send with ``environ``, or None."""
        jar = self._cookies
        if not jar:
            return None
        now = datetime.now(UTC)
        for storage_key in [k for k, c in jar.items() if c._expired(now)]:
            del jar[storage_key]
        server_name = _host_name(_environ_host(environ))
        path = _wsgi_url_path(environ)
        # RFC 6265 §5.4: cookies with longer paths go first.
        matching = sorted(
            (c for c in jar.values() if c._matches(server_name, path)),
            key=lambda c: -len(c.path),
        )
        if not matching:
            return None
        return "; ".join(f"{c.key}={c.value}" for c in matching)

    def inject(self, environ: dict[str, Any]) -> None:
        """Add the matching cookies to ``environ``'s ``HTTP_COOKIE`` (after any given)."""
        value = self.header_for(environ)
        if value is None:
            return
        given = environ.get("HTTP_COOKIE")
        environ["HTTP_COOKIE"] = f"{given}; {value}" if given else value
