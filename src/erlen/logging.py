"""The application logger: ``app.logger`` and its default handler.

``app.logger`` is the standard :mod:`logging` logger named after the app
(``app.name``). Unless your logging configuration already handles its level,
it gets :data:`default_handler`, which writes
``[time] LEVEL in module: message`` to the server's error stream during a
request (``wsgi.errors``) and to ``sys.stderr`` otherwise. Remove it to take
over completely::

    from erlen.logging import default_handler
    app.logger.removeHandler(default_handler)
"""

from __future__ import annotations

import logging
import sys
from typing import IO, TYPE_CHECKING, Any, Protocol

from .globals import _request_ctx
from .local import LocalProxy

if TYPE_CHECKING:

    class _LoggingApp(Protocol):
        @property
        def name(self) -> str: ...

        @property
        def debug(self) -> bool: ...


__all__ = ["create_logger", "default_handler", "has_level_handler", "wsgi_errors_stream"]


def _error_stream() -> IO[str]:
    ctx = _request_ctx()
    if ctx is not None:
        environ: Any = getattr(ctx.request, "environ", None)
        if environ:
            stream = environ.get("wsgi.errors")
            if stream is not None:
                return stream  # type: ignore[no-any-return]
    # Looked up per call: test runners and daemons replace sys.stderr.
    return sys.stderr


#: The error stream of the current request (its WSGI environ's ``wsgi.errors``),
#: or ``sys.stderr`` outside a request or when the server provides none (ASGI).
wsgi_errors_stream: IO[str] = LocalProxy(_error_stream)  # type: ignore[assignment]


def has_level_handler(logger: logging.Logger) -> bool:
    """Tell whether a handler on ``logger`` or its ancestors shows its level.

    Walks up the hierarchy as records propagate, so a handler configured on
    the root logger counts; one set to a stricter level than the logger's
    effective level does not.
    """
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


#: Writes ``[%(asctime)s] %(levelname)s in %(module)s: %(message)s`` to
#: :data:`wsgi_errors_stream`. Added by :func:`create_logger` only when no
#: other handler would show the app logger's records.
default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: _LoggingApp) -> logging.Logger:
    """Return the logger named ``app.name``, set up for the app.

    In debug mode a logger without a level of its own gets ``DEBUG``; a level
    you set is left alone. :data:`default_handler` is added only if no
    handler in the hierarchy already shows the logger's level.
    """
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
