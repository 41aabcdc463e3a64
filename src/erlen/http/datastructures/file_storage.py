"""Uploaded files: ``FileStorage``, an item of ``request.files``, and
``FileMultiDict``, a MultiDict to fill with files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from io import BytesIO
from os import PathLike, fspath
from typing import IO, Any

from .headers import Headers
from .multidict import MultiDict

__all__ = [
    "FileMultiDict",
    "FileStorage",
]


class FileStorage:
    """One uploaded file (an item of ``request.files``).

    ``filename`` is the name the client sent (run it through
    :func:`erlen.http.utils.secure_filename` before using it on disk), ``name``
    the form field. Attributes not defined here (``seek``, ``tell``, ...) are
    those of ``stream``.
    """

    __slots__ = ("filename", "headers", "name", "stream")

    def __init__(
        self,
        stream: IO[bytes] | None = None,
        filename: str | None = None,
        name: str | None = None,
        content_type: str | None = None,
        content_length: int | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.name = name
        self.stream: IO[bytes] = stream if stream is not None else BytesIO()
        if filename is None:
            guess = getattr(stream, "name", None)
            if isinstance(guess, bytes):
                guess = guess.decode("utf-8", "replace")
            if isinstance(guess, str) and not (guess.startswith("<") and guess.endswith(">")):
                filename = guess
        self.filename = filename
        self.headers = headers if headers is not None else Headers()
        if content_type is not None:
            self.headers["Content-Type"] = content_type
        if content_length is not None:
            self.headers["Content-Length"] = str(content_length)

    @property
    def content_type(self) -> str | None:
        """The part's ``Content-Type`` header, as sent."""
        return self.headers.get("Content-Type")

    @property
    def content_length(self) -> int:
        """The part's ``Content-Length`` header (0 when missing or invalid)."""
        try:
            return max(int(self.headers.get("Content-Length") or 0), 0)
        except ValueError:
            return 0

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower-cased (``"image/png"``)."""
        from erlen.http.headers import parse_options_header

        return parse_options_header(self.content_type)[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The content type's parameters (``{"charset": "utf-8"}``)."""
        from erlen.http.headers import parse_options_header

        return parse_options_header(self.content_type)[1]

    def read(self, n: int = -1) -> bytes:
        """Read up to ``n`` bytes (everything by default) from the stream."""
        return self.stream.read(n)

    def save(self, dst: str | PathLike[str] | IO[bytes], buffer_size: int = 16384) -> None:
        """Copy the file to a path or a binary file object.

        A path is opened, written and closed; a file object is written to and
        left open. The stream is read from its current position.
        """
        if isinstance(dst, str | PathLike):
            with open(fspath(dst), "wb") as f:
                shutil.copyfileobj(self.stream, f, buffer_size)
        else:
            shutil.copyfileobj(self.stream, dst, buffer_size)

    def close(self) -> None:
        """Close the underlying stream."""
        try:
            self.stream.close()
        except Exception:
            pass

    def __bool__(self) -> bool:
        return bool(self.filename)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.stream)

    def __getattr__(self, name: str) -> Any:
        try:
            stream = object.__getattribute__(self, "stream")
        except AttributeError:
            raise AttributeError(name) from None
        return getattr(stream, name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"


class FileMultiDict(MultiDict[str, FileStorage]):
    """A :class:`MultiDict` of :class:`FileStorage` values, with
    :meth:`add_file` to add one from a path or a file object (handy to build
    ``request.files`` for a test)."""

    def add_file(
        self,
        name: str,
        file: str | PathLike[str] | IO[bytes] | FileStorage,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> None:
        """Add a file under the field ``name``.

        ``file`` is a path (opened for reading in binary mode; its text is the
        default ``filename``), a binary file object or a ready
        :class:`FileStorage` (added as it is; the other arguments are then
        ignored). Without ``content_type`` it is guessed from ``filename``,
        ``application/octet-stream`` when the guess fails.
        """
        if isinstance(file, FileStorage):
            self.add(name, file)
            return
        stream: IO[bytes]
        # Two isinstance calls: mypy does not narrow the else branch of one
        # with both types.
        if isinstance(file, str) or isinstance(file, PathLike):  # noqa: SIM101
            if filename is None:
                filename = fspath(file)
            stream = open(file, "rb")  # noqa: SIM115  the FileStorage owns it
        else:
            stream = file
        if filename and content_type is None:
            # PERF: imported on use: `import erlen` does not load mimetypes.
            import mimetypes

            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self.add(name, FileStorage(stream, filename, name, content_type))
