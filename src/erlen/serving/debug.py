"""The debug traceback page of the development server.

:class:`DebugMiddleware` wraps a WSGI app: when the app raises, a client on
the same machine (a loopback address, not behind a proxy) gets an HTML page
with the traceback and the source around each frame; anyone else gets the
server's plain 500. Everything on the page is escaped, and a strict
Content-Security-Policy stops any script on it.

There is no interactive console: the page shows, it never runs code.
"""

from __future__ import annotations

import ipaddress
import linecache
import os
import sys
import sysconfig
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from html import escape
from typing import Any

__all__ = ["DebugMiddleware", "DebuggedApplication", "is_local_request", "render_traceback"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_CONTEXT_LINES = 3
_LIBRARY_PATHS = tuple(
    {
        os.path.realpath(path)
        for name in ("stdlib", "platstdlib", "purelib", "platlib")
        if (path := sysconfig.get_paths().get(name))
    }
)
_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1c1c1c;background:#fafafa}
header{background:#8b1e1e;color:#fff;padding:1rem 1.5rem}
header h1{margin:0;font-size:1.3rem;word-break:break-word}
header p{margin:.3rem 0 0;opacity:.85}
main{padding:1rem 1.5rem}
h2{font-size:1.05rem;margin:1.5rem 0 .5rem}
.frame{background:#fff;border:1px solid #ddd;border-radius:4px;margin:.6rem 0}
.frame.library{opacity:.7}
.where{padding:.4rem .7rem;border-bottom:1px solid #eee;font-family:ui-monospace,monospace;font-size:.85rem}
.where b{color:#8b1e1e}
pre{margin:0;padding:.4rem .7rem;overflow-x:auto;font:13px/1.4 ui-monospace,monospace}
pre .current{background:#fde8e8;display:block}
.plain{background:#fff;border:1px solid #ddd;padding:.7rem;white-space:pre-wrap}
footer{padding:1rem 1.5rem;color:#666;font-size:.85rem}
"""


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def is_local_request(environ: dict[str, Any]) -> bool:
    """True when the request comes straight from this machine: a loopback
    ``REMOTE_ADDR`` and no proxy forwarding headers."""
    # SECURITY: a reverse proxy on the same host makes every visitor look
    # local; its forwarding headers give it away, so those requests count as
    # remote and never see a traceback.
    if any(key in environ for key in _PROXY_HEADERS):
        return False
    return _is_loopback(str(environ.get("REMOTE_ADDR") or ""))


def _is_library(filename: str) -> bool:
    path = os.path.realpath(filename)
    return path.startswith(_LIBRARY_PATHS) or not os.path.exists(path)


def _render_frame(frame: traceback.FrameSummary) -> str:
    filename = frame.filename
    lineno = frame.lineno or 0
    lines = linecache.getlines(filename)
    first = max(lineno - _CONTEXT_LINES, 1)
    source = []
    for number in range(first, min(lineno + _CONTEXT_LINES, len(lines)) + 1):
        text = escape(lines[number - 1].rstrip("\n"))
        css = ' class="current"' if number == lineno else ""
        source.append(f"<span{css}>{number:>5} {text}</span>")
    if not source and frame.line:
        source.append(f'<span class="current">{lineno:>5} {escape(frame.line)}</span>')
    kind = "frame library" if _is_library(filename) else "frame"
    return (
        f'<div class="{kind}"><div class="where">File "{escape(filename)}", line {lineno},'
        f" in <b>{escape(frame.name)}</b></div><pre>{chr(10).join(source)}</pre></div>"
    )


def _chain(exc: BaseException) -> list[tuple[BaseException, str]]:
    """The exception and its causes, outermost cause first, each with the
    sentence that links it to the next."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            link = "The above exception was the direct cause of the following exception:"
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            link = "During handling of the above exception, another exception occurred:"
            current = current.__context__
        else:
            current = None
    chain.reverse()
    # Each link sentence belongs before the exception that follows it.
    return [(chain[i][0], chain[i - 1][1] if i else "") for i in range(len(chain))]


def _title(exc: BaseException) -> str:
    message = str(exc)
    name = type(exc).__qualname__
    return f"{name}: {message}" if message else name


def render_traceback(exc: BaseException, *, title: str = "Unhandled exception") -> str:
    """The HTML debug page for ``exc`` (all text escaped)."""
    sections = []
    for item, link in _chain(exc):
        if link:
            sections.append(f"<h2>{escape(link)}</h2>")
        frames = "".join(_render_frame(f) for f in traceback.extract_tb(item.__traceback__))
        sections.append(f"<h2>{escape(_title(item))}</h2>{frames}")
    plain = "".join(traceback.format_exception(exc))
    return (
        "<!doctype html>\n<html lang=en>\n<head><meta charset=utf-8>"
        f"<title>{escape(_title(exc))} // erlen debugger</title>"
        f"<style>{_STYLE}</style></head>\n<body>\n"
        f"<header><h1>{escape(_title(exc))}</h1><p>{escape(title)}</p></header>\n"
        f"<main>{''.join(sections)}"
        f'<h2>Plain traceback</h2><pre class="plain">{escape(plain)}</pre></main>\n'
        "<footer>This page is shown because the development server runs in debug mode"
        " and the request came from this machine. Never run it in production.</footer>\n"
        "</body>\n</html>\n"
    )


class DebugMiddleware:
    """Show a traceback page when ``app`` raises, to local clients only.

    ``is_trusted(environ)`` decides who may see it (:func:`is_local_request`
    by default); the exception is re-raised for everyone else, and the
    server answers with its plain 500. The traceback is also printed to
    ``wsgi.errors``. A :class:`ConnectionError` passes through untouched.
    """

    def __init__(
        self,
        app: WSGIApp,
        *,
        is_trusted: Callable[[dict[str, Any]], bool] = is_local_request,
    ) -> None:
        self.app = app
        self.is_trusted = is_trusted

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterator[bytes]:
        return self._run(environ, start_response)

    def _run(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        app_iter: Iterable[bytes] | None = None
        try:
            app_iter = self.app(environ, start_response)
            yield from app_iter
        except ConnectionError:
            # The client is gone, or an app that took the connection
            # (werkzeug.socket) says it is done with it: no one to show a
            # page to, and nothing to debug.
            raise
        except Exception as e:
            if not self.is_trusted(environ):
                raise
            errors = environ.get("wsgi.errors") or sys.stderr
            traceback.print_exc(file=errors)
            body = render_traceback(e).encode("utf-8")
            # Raises again when the headers already went out (the server
            # then cuts the connection): a half-sent page cannot be fixed.
            start_response(
                "500 Internal Server Error",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Cache-Control", "no-store"),
                    ("X-Content-Type-Options", "nosniff"),
                    # SECURITY: even if some text escaped the escaping, no
                    # script, frame or form on this page can run.
                    (
                        "Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; form-action 'none';"
                        " frame-ancestors 'none'",
                    ),
                ],
                sys.exc_info(),
            )
            if environ.get("REQUEST_METHOD") != "HEAD":
                yield body
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()


class DebuggedApplication(DebugMiddleware):
    """Werkzeug's name and signature for :class:`DebugMiddleware`
    (``werkzeug.debug.DebuggedApplication`` under :mod:`erlen.flask_patch`:
    Flask-SocketIO wraps its app in one in debug mode).

    erlen's page has no interactive console, so ``evalex=True`` warns that
    none is served, and the console's own options (``request_key``,
    ``console_path``, ``console_init_func``, ``pin_security``,
    ``pin_logging``) have nothing to set, as in Werkzeug with
    ``evalex=False``. Every frame is shown, as with ``show_hidden_frames``.
    """

    def __init__(
        self,
        app: WSGIApp,
        evalex: bool = False,
        request_key: str = "werkzeug.request",
        console_path: str = "/console",
        console_init_func: Callable[[], dict[str, Any]] | None = None,
        show_hidden_frames: bool = False,
        pin_security: bool = True,
        pin_logging: bool = True,
    ) -> None:
        del request_key, console_path, console_init_func, show_hidden_frames
        del pin_security, pin_logging
        if evalex:
            warnings.warn(
                "erlen's debug page has no interactive console: evalex=True shows the"
                " traceback page only.",
                RuntimeWarning,
                stacklevel=2,
            )
        super().__init__(app)
