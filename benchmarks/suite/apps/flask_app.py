"""Flask: the reference every ratio is taken against."""

from __future__ import annotations

from typing import Any

import flask

from ..fixtures import Fixtures
from ._flask_api import build_app, build_routing_app


def make_wsgi_app(fx: Fixtures) -> Any:
    """Flask's scenario app."""
    return build_app(flask, flask.Flask, fx)


def make_wsgi_routing_app(size: int, dynamic: bool) -> Any:
    """Flask with ``size`` rules."""
    return build_routing_app(flask.Flask, size, dynamic)
