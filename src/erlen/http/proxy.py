"""Honour the ``X-Forwarded-*`` headers set by trusted reverse proxies.

An application behind a proxy (nginx, a load balancer) sees the proxy as
the client: the remote address, the scheme and the host are the proxy's.
Proxies report the original values in ``X-Forwarded-For``,
``X-Forwarded-Proto``, ``X-Forwarded-Host``, ``X-Forwarded-Port`` and
``X-Forwarded-Prefix``. Each proxy in a chain appends its value to the
right, so only the rightmost values were set by proxies you run; anything
further left came from the client and can be forged.

:func:`resolve_forwarded` is a pure function over the headers, used by the
WSGI and ASGI adapters alike. Tell it how many proxies set each header::

    # one nginx in front, which sets X-Forwarded-For and X-Forwarded-Proto
    resolve_forwarded(headers, remote_addr, scheme, host, root_path, x_for=1, x_proto=1)

The framework reads these counts from the ``PROXY_FIX`` config key.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Protocol
from urllib.parse import unquote

__all__ = ["Forwarded", "HeaderSource", "resolve_forwarded", "split_host"]


class HeaderSource(Protocol):
    """Anything with ``Headers.getlist``: ``Headers`` or a WSGI ``EnvironHeaders``."""

    def getlist(self, key: str) -> list[str]: ...


class Forwarded(NamedTuple):
    """The client-facing request values after applying trusted proxy headers."""

    remote_addr: str | None
    scheme: str
    host: str | None
    root_path: str


# SECURITY: even a trusted proxy relays what it was given; values that could
# not be a scheme, a host or a port are ignored rather than trusted into URLs.
_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.\-]*\Z")
_HOST_RE = re.compile(r"(?:\[[0-9a-fA-F:.]+\]|[^\s/\\?#@\[\]:,;\"'<>]+)(?::[0-9]{1,5})?\Z")
_PORT_RE = re.compile(r"[0-9]{1,5}\Z")


def _trusted_value(headers: HeaderSource, name: str, trusted: int) -> str | None:
    """Return the value the ``trusted``-th proxy from the right put in ``name``.

    ``None`` when the header is missing or has fewer values than the number
    of trusted proxies (a client cannot have been behind all of them).
    """
    if trusted <= 0:
        return None
    raw = headers.getlist(name)
    if not raw:
        return None
    values = [part.strip() for line in raw for part in line.split(",")]
    values = [v for v in values if v]
    if len(values) < trusted:
        return None
    return values[-trusted]


def split_host(host: str) -> tuple[str, int | None]:
    """Split ``"name:port"`` into ``("name", port)``; ``port`` is None when
    absent or not a number. IPv6 literals (``[::1]:80``, bare ``::1``) stay whole."""
    if host.endswith("]"):
        return host, None
    name, sep, port = host.rpartition(":")
    if not sep or (":" in name and not name.endswith("]")):
        return host, None
    try:
        return name, int(port)
    except ValueError:
        return name, None


def resolve_forwarded(
    headers: HeaderSource,
    remote_addr: str | None,
    scheme: str,
    host: str | None,
    root_path: str,
    *,
    x_for: int = 1,
    x_proto: int = 1,
    x_host: int = 0,
    x_port: int = 0,
    x_prefix: int = 0,
) -> Forwarded:
    """Apply the ``X-Forwarded-*`` headers set by trusted proxies.

    Each ``x_*`` count is how many proxies in front of the app set that
    header; ``0`` ignores it. The value used is the one that many places
    from the right. A header with fewer values than trusted is ignored.

    - ``X-Forwarded-For`` replaces ``remote_addr``;
    - ``X-Forwarded-Proto`` replaces ``scheme``;
    - ``X-Forwarded-Host`` replaces ``host`` (port included, if given);
    - ``X-Forwarded-Port`` replaces the port of the (possibly new) host;
    - ``X-Forwarded-Prefix`` becomes ``root_path`` (percent-decoded, no
      trailing slash), for an app the proxy mounts under a path.

    Returns a :class:`Forwarded` with the resulting values; the inputs are
    returned unchanged for every header that was not honoured.
    """
    value = _trusted_value(headers, "X-Forwarded-For", x_for)
    if value is not None:
        remote_addr = value

    value = _trusted_value(headers, "X-Forwarded-Proto", x_proto)
    if value is not None:
        value = value.lower()
        if _SCHEME_RE.match(value):
            scheme = value

    value = _trusted_value(headers, "X-Forwarded-Host", x_host)
    if value is not None and _HOST_RE.match(value):
        host = value

    value = _trusted_value(headers, "X-Forwarded-Port", x_port)
    if value is not None and _PORT_RE.match(value) and host:
        host = f"{split_host(host)[0]}:{value}"

    value = _trusted_value(headers, "X-Forwarded-Prefix", x_prefix)
    if value is not None:
        prefix = unquote(value, errors="replace").rstrip("/")
        if prefix and not prefix.startswith("/"):
            prefix = "/" + prefix
        root_path = prefix

    return Forwarded(remote_addr, scheme, host, root_path)
