"""The apps under test: one module per framework, one registry entry per protocol.

Each module defines ``make_wsgi_app(fx)`` and/or ``make_asgi_app(fx)`` (the
scenario app: every route of :mod:`suite.scenarios`, plus 50 filler routes),
the matching ``make_*_routing_app(size, dynamic)``, and ``UNSUPPORTED``: the
scenarios the framework has no standard way to serve, with the reason. A module
serving two rows of one protocol adds ``make_<protocol>_<variant>_app`` (and
its routing twin) for the second (:attr:`AppSpec.variant`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from ..fixtures import Fixtures

Protocol = Literal["wsgi", "asgi"]
FILLER_ROUTES = 50


@dataclass(frozen=True, slots=True)
class AppSpec:
    """One row family of the tables: a framework served over one protocol."""

    key: str
    label: str
    module: str
    protocol: Protocol
    dist: str  # the distribution whose version the report prints
    floor: bool = False
    variant: str = ""  # picks ``make_<protocol>_<variant>_app`` when one module has two rows

    @property
    def _suffix(self) -> str:
        return f"{self.protocol}_{self.variant}" if self.variant else self.protocol

    def load(self) -> ModuleType:
        """Import the app module (and so the framework)."""
        return importlib.import_module(f"suite.apps.{self.module}")

    def build(self, fx: Fixtures) -> Any:
        """A fresh scenario app."""
        return getattr(self.load(), f"make_{self._suffix}_app")(fx)

    def build_routing(self, size: int, dynamic: bool) -> Any:
        """A fresh app with ``size`` routing rules."""
        return getattr(self.load(), f"make_{self._suffix}_routing_app")(size, dynamic)

    def unsupported(self) -> dict[str, str]:
        """Scenario name -> why this framework does not take part in it."""
        return dict(getattr(self.load(), "UNSUPPORTED", {}))


APPS: tuple[AppSpec, ...] = (
    AppSpec("bare-wsgi", "bare WSGI", "bare_wsgi", "wsgi", "", floor=True),
    AppSpec("erlen-wsgi", "erlen WSGI", "erlen_app", "wsgi", "erlen"),
    AppSpec("flask", "Flask", "flask_app", "wsgi", "flask"),
    AppSpec("falcon-wsgi", "Falcon WSGI", "falcon_app", "wsgi", "falcon"),
    AppSpec("bottle", "Bottle", "bottle_app", "wsgi", "bottle"),
    AppSpec("bare-asgi", "bare ASGI", "bare_asgi", "asgi", "", floor=True),
    AppSpec("erlen-asgi", "erlen ASGI (async views)", "erlen_app", "asgi", "erlen"),
    AppSpec(
        "erlen-asgi-sync",
        "erlen ASGI (sync views, thread pool)",
        "erlen_app",
        "asgi",
        "erlen",
        variant="sync",
    ),
    AppSpec("quart", "Quart", "quart_app", "asgi", "quart"),
    AppSpec("starlette", "Starlette", "starlette_app", "asgi", "starlette"),
    AppSpec("fastapi", "FastAPI", "fastapi_app", "asgi", "fastapi"),
    AppSpec("falcon-asgi", "Falcon ASGI", "falcon_app", "asgi", "falcon"),
)

BY_KEY = {spec.key: spec for spec in APPS}
FLASK = "flask"


def floor_for(protocol: Protocol) -> str:
    """The key of the bare callable that is the floor for ``protocol``."""
    return f"bare-{protocol}"


def is_erlen(spec: AppSpec) -> bool:
    """Whether failures of this app are reported as "not yet" (erlen is unfinished)."""
    return spec.dist == "erlen"
