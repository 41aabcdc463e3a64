"""Pytest plugin: ``app.test_client()`` sends its requests over ASGI.

With it, a suite written for Flask's (WSGI) test client runs every request
through erlen's ASGI side instead: the same app object, scope instead of
environ (``-p flask_as_erlen -p asgi_client``).
"""

from __future__ import annotations

from typing import Any

import erlen.app

_test_client = erlen.app.Erlen.test_client


def _asgi_test_client(self: erlen.app.Erlen, use_cookies: bool = True, **kwargs: Any) -> Any:
    kwargs.setdefault("asgi", True)
    return _test_client(self, use_cookies, **kwargs)


erlen.app.Erlen.test_client = _asgi_test_client  # type: ignore[method-assign]
