"""erlen: Flask's API on its own HTTP toolkit, served over WSGI and ASGI.

::

    from erlen import Erlen, request

    app = Erlen(__name__)

    @app.route("/")
    def index():
        return f"Hello from {request.path}"
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from markupsafe import Markup as Markup
from markupsafe import escape as escape

from . import json as json
from . import signals as signals
from .app import Erlen as Erlen
from .blueprints import Blueprint as Blueprint
from .config import Config as Config
from .ctx import after_this_request as after_this_request
from .ctx import copy_current_request_context as copy_current_request_context
from .ctx import has_app_context as has_app_context
from .ctx import has_request_context as has_request_context
from .ctx import stream_with_context as stream_with_context
from .globals import current_app as current_app
from .globals import g as g
from .globals import request as request
from .globals import session as session
from .helpers import abort as abort
from .helpers import make_response as make_response
from .helpers import nonblocking as nonblocking
from .helpers import redirect as redirect
from .helpers import url_for as url_for
from .http.exceptions import BadGateway as BadGateway
from .http.exceptions import BadHost as BadHost
from .http.exceptions import BadRequest as BadRequest
from .http.exceptions import BadRequestKeyError as BadRequestKeyError
from .http.exceptions import ClientDisconnected as ClientDisconnected
from .http.exceptions import Conflict as Conflict
from .http.exceptions import ExpectationFailed as ExpectationFailed
from .http.exceptions import FailedDependency as FailedDependency
from .http.exceptions import Forbidden as Forbidden
from .http.exceptions import GatewayTimeout as GatewayTimeout
from .http.exceptions import Gone as Gone
from .http.exceptions import HTTPException as HTTPException
from .http.exceptions import HTTPVersionNotSupported as HTTPVersionNotSupported
from .http.exceptions import ImATeapot as ImATeapot
from .http.exceptions import InternalServerError as InternalServerError
from .http.exceptions import LengthRequired as LengthRequired
from .http.exceptions import Locked as Locked
from .http.exceptions import MethodNotAllowed as MethodNotAllowed
from .http.exceptions import MisdirectedRequest as MisdirectedRequest
from .http.exceptions import NotAcceptable as NotAcceptable
from .http.exceptions import NotFound as NotFound
from .http.exceptions import NotImplemented as NotImplemented
from .http.exceptions import PreconditionFailed as PreconditionFailed
from .http.exceptions import PreconditionRequired as PreconditionRequired
from .http.exceptions import RequestedRangeNotSatisfiable as RequestedRangeNotSatisfiable
from .http.exceptions import RequestEntityTooLarge as RequestEntityTooLarge
from .http.exceptions import RequestHeaderFieldsTooLarge as RequestHeaderFieldsTooLarge
from .http.exceptions import RequestTimeout as RequestTimeout
from .http.exceptions import RequestURITooLarge as RequestURITooLarge
from .http.exceptions import SecurityError as SecurityError
from .http.exceptions import ServiceUnavailable as ServiceUnavailable
from .http.exceptions import TooManyRequests as TooManyRequests
from .http.exceptions import Unauthorized as Unauthorized
from .http.exceptions import UnavailableForLegalReasons as UnavailableForLegalReasons
from .http.exceptions import UnprocessableEntity as UnprocessableEntity
from .http.exceptions import UnsupportedMediaType as UnsupportedMediaType
from .http.exceptions import UpgradeRequired as UpgradeRequired
from .json import jsonify as jsonify
from .signals import appcontext_popped as appcontext_popped
from .signals import appcontext_pushed as appcontext_pushed
from .signals import appcontext_tearing_down as appcontext_tearing_down
from .signals import before_render_template as before_render_template
from .signals import got_request_exception as got_request_exception
from .signals import message_flashed as message_flashed
from .signals import request_finished as request_finished
from .signals import request_started as request_started
from .signals import request_tearing_down as request_tearing_down
from .signals import template_rendered as template_rendered
from .signals import websocket_finished as websocket_finished
from .signals import websocket_started as websocket_started
from .wrappers import Request as Request
from .wrappers import Response as Response

if TYPE_CHECKING:
    from .files import send_file as send_file
    from .files import send_from_directory as send_from_directory
    from .flashing import flash as flash
    from .flashing import get_flashed_messages as get_flashed_messages
    from .templating import get_template_attribute as get_template_attribute
    from .templating import render_template as render_template
    from .templating import render_template_string as render_template_string
    from .templating import stream_template as stream_template
    from .templating import stream_template_string as stream_template_string
    from .websocket import websocket as websocket

# Names whose modules load Jinja2 or the file helpers are imported on first use,
# which keeps `import erlen` light.
_LAZY = {
    "render_template": "erlen.templating",
    "render_template_string": "erlen.templating",
    "stream_template": "erlen.templating",
    "stream_template_string": "erlen.templating",
    "get_template_attribute": "erlen.templating",
    "flash": "erlen.flashing",
    "get_flashed_messages": "erlen.flashing",
    "send_file": "erlen.files",
    "send_from_directory": "erlen.files",
}

# COMPAT(flask): `import flask` loads these submodules, and extensions read
# them as attributes (`flask.cli.AppGroup`); erlen loads them on first use.
_LAZY_MODULES = frozenset({"cli", "templating"})


class _ErlenModule(types.ModuleType):
    """The ``erlen`` package's module type: ``erlen.websocket`` is the
    WebSocket proxy, loaded on first use, and stays so when the
    ``erlen.websocket`` submodule is imported (which would bind the module)."""

    @property
    def websocket(self) -> Any:
        # PERF: the WebSocket side loads the ASGI adapter and asyncio
        # (~15 ms of `import erlen`), which a WSGI app never needs.
        from .websocket import websocket

        return websocket

    @websocket.setter
    def websocket(self, value: Any) -> None:
        # The import system binds the submodule here; the proxy stays the name.
        pass


sys.modules[__name__].__class__ = _ErlenModule


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # COMPAT(flask): code compares flask.__version__; read from the
        # installed distribution on use, so `import erlen` stays cheap.
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("erlen")
        except PackageNotFoundError:  # pragma: no cover - not installed
            return "0"
    if name in _LAZY_MODULES:
        # The import binds the submodule on the package: asked once.
        return importlib.import_module(f"{__name__}.{name}")
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'erlen' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    # ``globals`` here is the erlen.globals submodule, hence setattr.
    setattr(sys.modules[__name__], name, value)
    return value


__all__ = [
    "BadGateway",
    "BadHost",
    "BadRequest",
    "BadRequestKeyError",
    "Blueprint",
    "ClientDisconnected",
    "Config",
    "Conflict",
    "Erlen",
    "ExpectationFailed",
    "FailedDependency",
    "Forbidden",
    "GatewayTimeout",
    "Gone",
    "HTTPException",
    "HTTPVersionNotSupported",
    "ImATeapot",
    "InternalServerError",
    "LengthRequired",
    "Locked",
    "Markup",
    "MethodNotAllowed",
    "MisdirectedRequest",
    "NotAcceptable",
    "NotFound",
    "NotImplemented",
    "PreconditionFailed",
    "PreconditionRequired",
    "Request",
    "RequestEntityTooLarge",
    "RequestHeaderFieldsTooLarge",
    "RequestTimeout",
    "RequestURITooLarge",
    "RequestedRangeNotSatisfiable",
    "Response",
    "SecurityError",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnavailableForLegalReasons",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "UpgradeRequired",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "escape",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "nonblocking",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "signals",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
    "websocket",
    "websocket_finished",
    "websocket_started",
]
