"""Middleware in Werkzeug's role, for WSGI and ASGI alike: :class:`ProxyFix`,
:class:`DispatcherMiddleware`, :class:`SharedDataMiddleware` and
:class:`ProfilerMiddleware`.

Each class wraps an application and is itself one. Called with
``(environ, start_response)`` it is WSGI middleware, with ``(scope,
receive, send)`` ASGI middleware, so one wrapped erlen app still serves
both::

    from erlen.middleware import DispatcherMiddleware, ProxyFix, SharedDataMiddleware

    app = ProxyFix(DispatcherMiddleware(site, {"/api": api}), x_for=1, x_proto=1)
    app = SharedDataMiddleware(app, {"/uploads": "/srv/uploads"})

Under WSGI every wrapped application must speak WSGI, under ASGI every one
ASGI (an erlen app speaks both).

Wrapping the app object itself keeps each protocol native. Middleware on
``app.wsgi_app`` (Flask's pattern) works under an ASGI server too, but then
every HTTP request goes through the WSGI side in a worker thread. For a proxy
in front of one app, the ``PROXY_FIX`` config key does what :class:`ProxyFix`
does, on both protocols, without a wrapper.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import mimetypes
import os
import pstats
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from cProfile import Profile
from typing import IO, Any
from zlib import adler32

from .adapters.asgi import _relative_path, fix_forwarded_scope, request_from_scope, send_response
from .adapters.wsgi import fix_forwarded_environ, request_from_environ, start_response_and_body
from .app import _asgi_signature, mark_dual_protocol
from .http.exceptions import HTTPException, RequestedRangeNotSatisfiable
from .http.headers import http_date, quote_etag
from .http.request import Request
from .http.response import FileWrapper, Response
from .http.utils import get_content_type, safe_join
from .http.wsgi import _from_wsgi, _to_wsgi, get_path_info

__all__ = ["DispatcherMiddleware", "ProfilerMiddleware", "ProxyFix", "SharedDataMiddleware"]

_ASGI_REWRITTEN = ("http", "websocket")


def _wsgi_call(app: Any, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    return app(environ, start_response)  # type: ignore[no-any-return]


class _DualProtocol:
    """A WSGI application when called with two arguments, an ASGI one with
    three; servers that inspect it see an ASGI 3 application (as the app)."""

    def __call__(self, *args: Any) -> Any:
        if len(args) == 2:
            return self._wsgi(*args)
        if len(args) == 3:
            return self._asgi(*args)
        raise TypeError(
            "Middleware is called as (environ, start_response) or (scope, receive, send),"
            f" not with {len(args)} arguments."
        )

    if sys.version_info < (3, 12):
        # COMPAT(asgi): see Erlen: hypercorn's ASGI 3 test on 3.11 wants a
        # function-like object whose code is a coroutine's.
        __code__ = _asgi_signature.__code__
        __defaults__ = None
        __kwdefaults__ = None
        __name__ = property(lambda self: type(self).__name__)

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raise NotImplementedError

    def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        raise NotImplementedError


mark_dual_protocol(_DualProtocol.__call__)


class ProxyFix(_DualProtocol):
    """Trust the ``X-Forwarded-*`` headers set by the proxies in front of
    ``app``, as Werkzeug's ``ProxyFix`` (same arguments): each count is how
    many proxies set that header, 0 ignores it. The client address, the
    scheme, the host (and port) and the mount point (``X-Forwarded-Prefix``)
    then are the client's, as :func:`erlen.http.proxy.resolve_forwarded`
    reads them. The values replaced are kept in
    ``environ["erlen.proxy_fix.orig"]`` (WSGI) or
    ``scope["erlen.proxy_fix.orig"]`` (ASGI).

    SECURITY: trust only as many proxies as are really in front of the app;
    a header with fewer values than trusted is ignored, since a client could
    have written it.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        x_for: int = 1,
        x_proto: int = 1,
        x_host: int = 0,
        x_port: int = 0,
        x_prefix: int = 0,
    ) -> None:
        self.app = app
        self.x_for = x_for
        self.x_proto = x_proto
        self.x_host = x_host
        self.x_port = x_port
        self.x_prefix = x_prefix

    @property
    def _counts(self) -> dict[str, int]:
        return {
            "x_for": self.x_for,
            "x_proto": self.x_proto,
            "x_host": self.x_host,
            "x_port": self.x_port,
            "x_prefix": self.x_prefix,
        }

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            fix_forwarded_environ(environ, self._counts)
        except HTTPException as e:
            # A mount point (SCRIPT_NAME) that is not UTF-8.
            return e.get_response()(environ, start_response)
        return _wsgi_call(self.app, environ, start_response)

    def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") in _ASGI_REWRITTEN:
            scope = fix_forwarded_scope(scope, self._counts)
        return self.app(scope, receive, send)


class DispatcherMiddleware(_DualProtocol):
    """Send each request to the application mounted at the longest prefix
    of its path, else to ``app``, as Werkzeug's ``DispatcherMiddleware``::

        DispatcherMiddleware(frontend, {"/api": api, "/admin": admin})

    The mounted app sees the prefix as its mount point (``SCRIPT_NAME``,
    ASGI ``root_path``) and the rest as its path, so its ``url_for`` builds
    URLs under the prefix. A prefix matches whole segments: ``/api`` serves
    ``/api`` and ``/api/x``, not ``/apix``. Under ASGI the lifespan events
    go to ``app`` only; a mounted erlen app starts with its first request.
    """

    def __init__(self, app: Callable[..., Any], mounts: Mapping[str, Any] | None = None) -> None:
        self.app = app
        self.mounts: dict[str, Any] = dict(mounts or {})

    def _route(self, path: str) -> tuple[Any, str, str]:
        """The app for ``path`` (below the current mount point), its prefix
        and the path left for it."""
        script = path
        rest = ""
        while "/" in script:
            mounted = self.mounts.get(script)
            if mounted is not None:
                return mounted, script, rest
            script, last = script.rsplit("/", 1)
            rest = f"/{last}{rest}"
        mounted = self.mounts.get(script)
        if mounted is not None:
            return mounted, script, rest
        return self.app, "", path

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        # Prefixes are text: PATH_INFO is decoded (PEP 3333 carries the
        # path's bytes as latin-1), so "/café" mounts work as under ASGI.
        app, script, rest = self._route(_from_wsgi(environ.get("PATH_INFO", ""), "surrogateescape"))
        if script:
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + _to_wsgi(script)
            environ["PATH_INFO"] = _to_wsgi(rest)
        return _wsgi_call(app, environ, start_response)

    def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") not in _ASGI_REWRITTEN:
            return self.app(scope, receive, send)
        root_path = (scope.get("root_path") or "").rstrip("/")
        path = _relative_path(scope.get("path") or "/", root_path)
        app, script, rest = self._route(path)
        if script:
            scope = dict(scope)
            scope["root_path"] = root_path + script
            scope["path"] = root_path + script + rest
            scope.pop("raw_path", None)
        return app(scope, receive, send)


class SharedDataMiddleware(_DualProtocol):
    """Serve files from folders (or single files) at URL prefixes, and pass
    every other request to ``app``, as Werkzeug's ``SharedDataMiddleware``;
    for development and simple setups, where no web server serves them::

        app = SharedDataMiddleware(app, {
            "/uploads": "/srv/uploads",              # a folder
            "/robots.txt": "/srv/robots.txt",        # one file
            "/assets": ("mypackage", "static"),      # a package's folder
        })

    ``exports`` maps prefixes to targets (or is an iterable of such pairs,
    tried in order). GET and HEAD requests for an existing file are answered
    with it: a guessed ``Content-Type`` (``fallback_mimetype`` when unknown,
    ``utf-8`` for text), ``Last-Modified``, and with ``cache`` an ``ETag``,
    ``Cache-Control: max-age=<cache_timeout>, public`` and ``Expires``;
    conditional requests get 304, ranges 206 or 416. Anything else,
    including a path that would leave the folder (``..``) and a file
    ``is_allowed`` refuses (``disallow``: fnmatch patterns of file names),
    goes to ``app``.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        exports: Mapping[str, str | os.PathLike[str] | tuple[str, str]]
        | Iterable[tuple[str, str | os.PathLike[str] | tuple[str, str]]],
        disallow: str | Iterable[str] | None = None,
        cache: bool = True,
        cache_timeout: int = 60 * 60 * 12,
        fallback_mimetype: str = "application/octet-stream",
    ) -> None:
        self.app = app
        self.cache = cache
        self.cache_timeout = cache_timeout
        self.fallback_mimetype = fallback_mimetype
        pairs = exports.items() if isinstance(exports, Mapping) else exports
        #: ``(prefix, path, is_folder)``, in the order given.
        self.exports: list[tuple[str, str, bool]] = []
        for prefix, target in pairs:
            path = self._package_folder(*target) if isinstance(target, tuple) else os.fspath(target)
            self.exports.append((prefix, os.path.abspath(path), not os.path.isfile(path)))
        if isinstance(disallow, str):
            disallow = [disallow]
        self.disallow: list[str] = list(disallow or ())

    @staticmethod
    def _package_folder(package: str, path: str) -> str:
        spec = importlib.util.find_spec(package)
        if spec is None:
            raise ValueError(f"No package named {package!r} to share files from.")
        if spec.submodule_search_locations:
            base = next(iter(spec.submodule_search_locations))
        elif spec.origin is not None:
            base = os.path.dirname(spec.origin)
        else:
            raise ValueError(f"The package {package!r} has no folder to share files from.")
        joined = safe_join(base, path)
        if joined is None:
            raise ValueError(f"{path!r} is not a folder inside the package {package!r}.")
        return joined

    def is_allowed(self, filename: str) -> bool:
        """Whether the file ``filename`` (its base name) may be served; False
        for a match of a ``disallow`` pattern. Override to decide otherwise."""
        return not any(fnmatch.fnmatch(filename, pattern) for pattern in self.disallow)

    def generate_etag(self, mtime: float, file_size: int, real_filename: str) -> str:
        """The ETag (unquoted) of a file with this modification time and size."""
        checksum = adler32(os.fsencode(real_filename)) & 0xFFFFFFFF
        return f"sdm-{mtime}-{file_size}-{checksum}"

    def _find(self, path: str) -> str | None:
        """The file ``path`` (the URL path below the mount point) names, if any."""
        for prefix, target, is_folder in self.exports:
            if not is_folder:
                if path == prefix:
                    return target
                continue
            base = prefix.rstrip("/") + "/"
            if path == prefix.rstrip("/"):
                continue  # the folder itself
            if path.startswith(base):
                found = safe_join(target, path[len(base) :])
                if found is not None and os.path.isfile(found):
                    return found
        return None

    def _file_response(self, filename: str, request: Request) -> Response:
        """The response for ``filename`` to ``request`` (conditional, ranges)."""
        stat = os.stat(filename)
        guessed = mimetypes.guess_type(filename)[0] or self.fallback_mimetype
        headers = [("Content-Type", get_content_type(guessed, "utf-8"))]
        headers.append(("Content-Length", str(stat.st_size)))
        headers.append(("Last-Modified", http_date(stat.st_mtime)))
        if self.cache:
            etag = self.generate_etag(stat.st_mtime, stat.st_size, filename)
            headers.append(("ETag", quote_etag(etag)))
            headers.append(("Cache-Control", f"max-age={self.cache_timeout}, public"))
            headers.append(("Expires", http_date(time.time() + self.cache_timeout)))
        else:
            headers.append(("Cache-Control", "public"))
        file = open(filename, "rb")  # noqa: SIM115 (the response closes it)
        response = Response(FileWrapper(file), headers=headers, direct_passthrough=True)
        try:
            response.make_conditional(request, accept_ranges=True, complete_length=stat.st_size)
        except RequestedRangeNotSatisfiable as e:
            response.close()
            return e.get_response(request)
        return response

    def _served(self, path: str) -> str | None:
        filename = self._find(path)
        if filename is None or not self.is_allowed(os.path.basename(filename)):
            return None
        return filename

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            filename = self._served(get_path_info(environ))
            if filename is not None:
                try:
                    request = request_from_environ(environ, Request)
                    response = self._file_response(filename, request)
                except (HTTPException, OSError):
                    pass  # a bad request or a file gone: the app answers
                else:
                    return start_response_and_body(response, environ, start_response)
        return _wsgi_call(self.app, environ, start_response)

    def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") == "http" and scope.get("method") in ("GET", "HEAD"):
            root_path = (scope.get("root_path") or "").rstrip("/")
            filename = self._served(_relative_path(scope.get("path") or "/", root_path))
            if filename is not None:
                try:
                    request = request_from_scope(scope, Request)
                    response = self._file_response(filename, request)
                except (HTTPException, OSError):
                    pass
                else:
                    return send_response(response, send, receive, method=request.method)
        return self.app(scope, receive, send)


# A file name made from a request path keeps these characters only.
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


class ProfilerMiddleware(_DualProtocol):
    """Profile every request with :mod:`cProfile`, as Werkzeug's
    ``ProfilerMiddleware``: print the statistics to ``stream`` (None: don't),
    sorted by ``sort_by`` and limited by ``restrictions`` (what
    :meth:`pstats.Stats.print_stats` takes), and, with ``profile_dir``, dump
    each profile to a file named by ``filename_format`` (a format string with
    ``method``, ``path``, ``elapsed`` in ms and ``time``, or a function of
    the environ, or of the scope under ASGI, which finds ``elapsed`` and
    ``time`` in its ``"werkzeug.profiler"`` dict, as with Werkzeug)::

        app = ProfilerMiddleware(app, restrictions=(30,), profile_dir="profiles")

    For development: under WSGI the body is read while profiling (streamed
    responses arrive whole); under ASGI the request's coroutine is profiled
    on the event loop's thread, so sync views and hooks (run in worker
    threads) are not in it, and requests are profiled one at a time.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        stream: IO[str] | None = sys.stdout,
        sort_by: Iterable[str] = ("time", "calls"),
        restrictions: Iterable[str | int | float] = (),
        profile_dir: str | os.PathLike[str] | None = None,
        filename_format: str | Callable[[Any], str] = (
            "{method}.{path}.{elapsed:.0f}ms.{time:.0f}.prof"
        ),
    ) -> None:
        self.app = app
        self.stream = stream
        self.sort_by = tuple(sort_by)
        self.restrictions = tuple(restrictions)
        self.profile_dir = None if profile_dir is None else os.fspath(profile_dir)
        self.filename_format = filename_format
        # One profile at a time: a profiler is per thread on 3.11 and per
        # process from 3.12, and requests on one event loop share a thread,
        # so concurrent requests wait for the one being profiled.
        self._thread_lock = threading.Lock()
        self._loop_lock: tuple[Any, Any] | None = None  # (loop, asyncio.Lock)

    def _report(self, profile: Profile, request_info: Any, method: str, path: str,
                elapsed: float) -> None:  # fmt: skip
        if self.profile_dir is not None:
            if callable(self.filename_format):
                # COMPAT(werkzeug): the function reads the timing from here.
                request_info["werkzeug.profiler"] = {
                    "elapsed": elapsed * 1000.0,
                    "time": time.time(),
                }
                name = self.filename_format(request_info)
            else:
                # SECURITY: the path comes from the client; only a plain,
                # short file name is made of it.
                safe_path = _UNSAFE_FILENAME.sub("_", path.strip("/").replace("/", "."))
                name = self.filename_format.format(
                    method=_UNSAFE_FILENAME.sub("_", method),
                    path=safe_path[:100] or "root",
                    elapsed=elapsed * 1000.0,
                    time=time.time(),
                )
            profile.dump_stats(os.path.join(self.profile_dir, os.path.basename(name)))
        if self.stream is not None:
            stats = pstats.Stats(profile, stream=self.stream)
            stats.sort_stats(*self.sort_by)
            print("-" * 80, file=self.stream)
            print(f"PATH: {path!r}", file=self.stream)
            stats.print_stats(*self.restrictions)
            print("-" * 80 + "\n", file=self.stream)

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body: list[bytes] = []

        def catching_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], Any]:
            start_response(status, headers, exc_info)
            return body.append

        def run() -> None:
            app_iter = _wsgi_call(self.app, environ, catching_start_response)
            try:
                body.extend(app_iter)
            finally:
                close = getattr(app_iter, "close", None)
                if close is not None:
                    close()

        profile = Profile()
        with self._thread_lock:
            start = time.perf_counter()
            profile.runcall(run)
            elapsed = time.perf_counter() - start
        self._report(
            profile,
            environ,
            str(environ.get("REQUEST_METHOD", "")),
            get_path_info(environ),
            elapsed,
        )
        return [b"".join(body)]

    async def _profiled(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        if self._loop_lock is None or self._loop_lock[0] is not loop:
            # A server has one loop per worker; a new one (a test client's)
            # replaces the old pair.
            self._loop_lock = (loop, asyncio.Lock())
        lock = self._loop_lock[1]
        profile = Profile()
        async with lock:
            start = time.perf_counter()
            profile.enable()
            try:
                await self.app(scope, receive, send)
            finally:
                profile.disable()
            elapsed = time.perf_counter() - start
        self._report(
            profile, scope, str(scope.get("method", "")), str(scope.get("path", "")), elapsed
        )

    def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") != "http":
            return self.app(scope, receive, send)
        return self._profiled(scope, receive, send)
