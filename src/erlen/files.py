"""Sending files: :func:`send_file` and :func:`send_from_directory`.

Both answer conditional requests (``If-None-Match``, ``If-Modified-Since``: 304)
and ranges (``Range``: 206, or 416 when the range cannot be served) by default,
and hand the open file to the server (``wsgi.file_wrapper``) when it can
stream it itself::

    @app.route("/reports/<path:name>")
    def report(name):
        return send_from_directory(app.config["REPORTS_DIR"], name, as_attachment=True)
"""

from __future__ import annotations

import io
import mimetypes
import os
import posixpath
import stat
import time
import typing as t
from collections.abc import Callable
from datetime import datetime
from urllib.parse import unquote
from zlib import adler32

from erlen.globals import _request_ctx, current_app
from erlen.http.datastructures.headers import _header_str, _trusted_headers
from erlen.http.exceptions import NotFound, RequestedRangeNotSatisfiable
from erlen.http.headers import content_disposition, http_date, quote_etag
from erlen.http.response import _TYPE_HEADERS, FileWrapper, _cache_type_header
from erlen.http.utils import safe_join

if t.TYPE_CHECKING:
    from erlen.app import Erlen
    from erlen.wrappers import Response

__all__ = ["send_file", "send_from_directory"]


class _MimetypeError(ValueError, TypeError):
    # COMPAT(flask): Werkzeug raises TypeError here; erlen's contract says
    # ValueError. Being both keeps either ``except`` working.
    pass


def _app() -> Erlen:
    return current_app._get_current_object()  # type: ignore[attr-defined, no-any-return]


def send_file(
    path_or_file: os.PathLike[str] | str | t.IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: int | Callable[[str | None], int | None] | None = None,
) -> Response:
    """Send a file's contents as the response.

    Never pass a path that came from the client; use :func:`send_from_directory`
    for that.

    :param path_or_file: a path, relative to the app's ``root_path``, or a file
        object opened in binary mode (``io.BytesIO`` included). A file object
        is closed when the response is.
    :param mimetype: the content type; guessed from ``download_name`` or the
        path by default. A file object without a name needs one of the two.
    :param as_attachment: ask the browser to save the file
        (``Content-Disposition: attachment``) instead of showing it.
    :param download_name: the file name the browser sees; the path's name by
        default. Non-ASCII names are sent as RFC 5987 ``filename*``.
    :param conditional: answer ``If-None-Match``/``If-Modified-Since`` with 304
        and ``Range`` with 206 or 416.
    :param etag: compute an ETag from the file's path, mtime and size (True),
        send none (False), or send this string.
    :param last_modified: the ``Last-Modified`` time; the file's mtime for a path.
    :param max_age: seconds browsers may cache the file (``Cache-Control:
        public, max-age=N``), or a function of the path giving that; by default
        ``app.get_send_file_max_age(path)``, which reads
        ``SEND_FILE_MAX_AGE_DEFAULT``. None means ``Cache-Control: no-cache``.

    With ``USE_X_SENDFILE`` set, a file given by path is not read: the
    response carries its path in ``X-Sendfile`` and an empty body, for a
    server in front that sends files itself (Apache's mod_xsendfile,
    lighttpd). Its headers (length, ETag, ranges, 304) are those of the file.
    """
    app = _app()
    path: str | None = None
    file: t.IO[bytes] | None = None
    size: int | None = None
    mtime: float | None = None

    if isinstance(path_or_file, (str, os.PathLike)):
        path = os.path.join(app.root_path, os.fspath(path_or_file))
        # PERF: one stat gives the size, the mtime (Last-Modified) and the ETag.
        st = os.stat(path)
        size = st.st_size
        mtime = st.st_mtime
    else:
        file = path_or_file

    if download_name is None and path is not None:
        download_name = os.path.basename(path)

    if mimetype is None:
        guess_from = download_name
        if guess_from is None:
            name = getattr(file, "name", None)
            guess_from = name if isinstance(name, str) else None
        if guess_from is None:
            raise _MimetypeError(
                "Unable to detect the MIME type because a file name is not available."
                " Either set 'download_name', pass a path instead of a file, or set"
                " 'mimetype'."
            )
        mimetype = _guess_mimetype(guess_from)

    # PERF: the header list is built directly in its final order (the order
    # Headers.set calls would give), skipping a validated replace per header.
    lst: list[tuple[str, str]] = []
    if download_name is not None:
        lst.append(
            (
                "Content-Disposition",
                _disposition("attachment" if as_attachment else "inline", download_name),
            )
        )
    elif as_attachment:
        raise _MimetypeError(
            "No name provided for the attachment: set 'download_name' or pass a path."
        )
    type_header = _TYPE_HEADERS.get(mimetype)
    if type_header is None:
        type_header = _cache_type_header(mimetype)
    lst.append(type_header)

    sendfile_path = None
    if path is not None and app.config["USE_X_SENDFILE"]:
        # The server in front (Apache's mod_xsendfile, lighttpd) reads the
        # file: the path goes in X-Sendfile as its bytes (UTF-8 on a UTF-8
        # system, latin-1 text for the header, as PEP 3333 carries bytes).
        sendfile_path = os.fsencode(path).decode("latin-1")
        if "\n" in sendfile_path or "\r" in sendfile_path:
            # SECURITY: a file name with a line break (legal on POSIX) would
            # split the header: such a file is sent by erlen itself.
            sendfile_path = None
    if sendfile_path is not None:
        lst.append(("X-Sendfile", sendfile_path))
    elif file is None:
        assert path is not None
        # PERF: unbuffered: FileWrapper reads in its own chunks, so a buffer
        # would only add a copy (and 1.4 µs to open and close it).
        file = open(path, "rb", buffering=0)  # noqa: SIM115 (the response closes it)
    elif isinstance(file, io.BytesIO):
        size = file.getbuffer().nbytes
    elif isinstance(file, io.TextIOBase):
        raise ValueError("Files must be opened in binary mode or use BytesIO.")

    if size is not None:
        lst.append(("Content-Length", str(size)))
    if last_modified is None:
        last_modified = mtime
    if last_modified is not None:
        lst.append(("Last-Modified", http_date(last_modified)))

    if max_age is None:
        max_age = app.get_send_file_max_age
    if callable(max_age):
        max_age = max_age(path)
    if max_age is None:
        lst.append(("Cache-Control", "no-cache"))
    else:
        max_age = int(max_age)
        if max_age > 0:
            lst.append(("Cache-Control", f"public, max-age={max_age}"))
        else:
            lst.append(("Cache-Control", f"no-cache, max-age={max_age}"))
        # Whole seconds, as the header has them: one text per second (cached).
        lst.append(("Expires", http_date(int(time.time()) + max_age)))

    if isinstance(etag, str):
        lst.append(("ETag", _header_str(quote_etag(etag), "values")))
    elif etag and path is not None:
        lst.append(("ETag", _file_etag(path, mtime, size)))

    # With X-Sendfile the body is empty: Content-Length (and a range's
    # Content-Range) describe the file the server in front sends, as Flask.
    rv = app.response_class(
        [] if file is None else FileWrapper(file),
        headers=_trusted_headers(lst),
        direct_passthrough=True,
    )

    req_ctx = _request_ctx()
    if conditional and req_ctx is not None:
        try:
            rv = t.cast(
                "Response",
                rv.make_conditional(req_ctx.request, accept_ranges=True, complete_length=size),
            )
        except RequestedRangeNotSatisfiable:
            if file is not None:
                file.close()
            raise
        if sendfile_path is not None and rv.status_code in (304, 412):
            # Some X-Sendfile servers send the file whatever the status, as
            # Werkzeug notes for 304; a failed If-Match (412) has no body either.
            del rv.headers["X-Sendfile"]
    return rv


# PERF: a file's ETag text (the float mtime's repr and the path's checksum)
# costs 1.4 µs; it is kept per path while the mtime and size stay the same.
_ETAGS: dict[str, tuple[float | None, int | None, str]] = {}


def _file_etag(path: str, mtime: float | None, size: int | None) -> str:
    known = _ETAGS.get(path)
    if known is not None and known[0] == mtime and known[1] == size:
        return known[2]
    check = adler32(path.encode("utf-8", "surrogateescape")) & 0xFFFFFFFF
    etag = f'"{mtime}-{size}-{check}"'
    # SECURITY: bounded, as paths may come from clients (send_from_directory).
    if known is not None or len(_ETAGS) < _CACHE_LIMIT:
        _ETAGS[path] = (mtime, size, etag)
    return etag


# PERF: mimetypes.guess_type costs a few µs a call; its answer depends only on
# the name's extensions, so it is cached per extension tail (".tar.gz").
_MIMETYPES: dict[str, str] = {}
_CACHE_LIMIT = 512


def _guess_mimetype(name: str) -> str:
    base = name.rpartition("/")[2]
    dot = base.find(".", 1)
    key = base[dot:] if dot > 0 else ""
    if not key or ":" in key or "\\" in key:
        # No extension (nothing to cache by) or a name guess_type may read as a URL.
        return mimetypes.guess_type(name)[0] or "application/octet-stream"
    mimetype = _MIMETYPES.get(key)
    if mimetype is None:
        mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        # SECURITY: bounded, as download names may come from clients.
        if len(_MIMETYPES) < _CACHE_LIMIT:
            _MIMETYPES[key] = mimetype
    return mimetype


_DISPOSITIONS: dict[tuple[str, str], str] = {}


def _disposition(kind: str, name: str) -> str:
    """The validated ``Content-Disposition`` value, cached per (kind, name)."""
    key = (kind, name)
    value = _DISPOSITIONS.get(key)
    if value is None:
        value = _header_str(content_disposition(kind, name), "values")
        if len(_DISPOSITIONS) < _CACHE_LIMIT:
            _DISPOSITIONS[key] = value
    return value


def _escapes(path: str) -> bool:
    """Whether a client-chosen relative path could leave its directory."""
    # SECURITY: check the path as given and once percent-decoded, so a path
    # decoded a second time by someone else ("%2e%2e%2f") cannot climb out.
    for candidate in (path, unquote(path)):
        if "\0" in candidate or "\\" in candidate:
            return True
        if candidate.startswith("/") or (candidate[1:2] == ":" and candidate[0].isalpha()):
            return True
        if ".." in candidate.split("/"):
            return True
        normal = posixpath.normpath(candidate)
        if normal == ".." or normal.startswith("../"):
            return True
    return False


def send_from_directory(
    directory: os.PathLike[str] | str, path: os.PathLike[str] | str, **kwargs: t.Any
) -> Response:
    """Send a file from ``directory``, where ``path`` may come from the client.

    A path that would leave the directory (``..``, an absolute path, a
    backslash, a Windows drive, a NUL byte, or any of these percent-encoded)
    and a file that does not exist both give :exc:`~erlen.http.exceptions.NotFound`
    (404). ``directory`` is relative to the app's ``root_path``. Other keyword
    arguments go to :func:`send_file`.
    """
    raw = os.fspath(path)
    if not raw or _escapes(raw):
        raise NotFound()
    joined = safe_join(os.fspath(directory), raw)
    if joined is None:
        raise NotFound()
    full = os.path.join(_app().root_path, joined)
    try:
        is_file = stat.S_ISREG(os.stat(full).st_mode)
    except (OSError, ValueError):
        is_file = False
    if not is_file:
        raise NotFound()
    return send_file(full, **kwargs)
