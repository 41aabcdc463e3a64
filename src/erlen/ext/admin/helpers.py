"""Small helpers shared by the admin's views: names, safe return URLs, record ids."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from erlen import request

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def prettify_class_name(name: str) -> str:
    """``"UserProfile"`` -> ``"User Profile"``: the default menu name of a view."""
    return _CAMEL_BOUNDARY.sub(" ", name)


def prettify_name(name: str) -> str:
    """``"first_name"`` -> ``"First Name"``: the default label of a column."""
    return " ".join(part.capitalize() for part in name.split("_") if part) or name


def is_safe_url(target: str | None) -> bool:
    """True when ``target`` is a path on this site, never another host.

    SECURITY: the ``url`` parameter that sends the user back after a save is
    attacker-controlled; only relative paths are followed, so a crafted link
    cannot turn the admin into an open redirect (``//evil``, ``/\\evil`` and
    ``https://evil`` are all refused).
    """
    if not target or not target.startswith("/"):
        return False
    if target.startswith(("//", "/\\")):
        return False
    if any(ord(char) < 32 or char == "\\" for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def get_redirect_target(param_name: str = "url") -> str | None:
    """The ``url`` argument of the request (query or form) when it is safe."""
    target = request.values.get(param_name)
    return target if is_safe_url(target) else None


def current_relative_url() -> str:
    """The current request's path and query, as a relative URL to come back to."""
    query = request.query_string.decode("utf-8", "replace")
    path = request.script_root + request.path
    return f"{path}?{query}" if query else path


# Composite primary keys travel in one ``id`` argument, their parts joined by
# commas; "~" escapes a comma or a tilde inside a part.
def encode_pk(values: Sequence[object]) -> str:
    """The ``id`` argument for a record whose primary key is ``values``."""
    return ",".join(str(value).replace("~", "~7E").replace(",", "~2C") for value in values)


def decode_pk(text: str) -> list[str]:
    """The parts of an ``id`` argument made by :func:`encode_pk`."""
    return [part.replace("~2C", ",").replace("~7E", "~") for part in text.split(",")]
