"""Filename and path safety for files that come from users."""

from __future__ import annotations

import posixpath
import re
import unicodedata

__all__ = ["safe_join", "secure_filename"]

_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_.-]")
_DRIVE = re.compile(r"^[A-Za-z]:")

# Names Windows resolves to devices whatever the extension ("nul.txt" is NUL).
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))]
)


def secure_filename(filename: str, *, max_length: int = 255) -> str:
    """Return a version of ``filename`` that is safe to save on any filesystem.

    Use it on the name of every uploaded file before you save it. The notes'
    upload view (§2.2.2) saves ``file.filename`` as it came, which lets a client
    write ``../../app.py``; pass it through this function first::

        from erlen.http.utils import secure_filename

        @app.route("/upload", methods=["POST"])
        def upload_file():
            if "file" not in request.files:
                return "No file uploaded."
            file = request.files["file"]
            if file.filename == "":
                return "No file selected."
            filename = secure_filename(file.filename)
            if not filename:
                return "Invalid file name."
            file.save(os.path.join("uploads", filename))
            return "File uploaded successfully!"

    The result holds only ASCII letters, digits, ``_``, ``.`` and ``-``: accents
    are removed after NFKD normalisation (``"Ünïcödé.txt"`` gives
    ``"Unicode.txt"``), path separators and whitespace become ``_``, other
    characters are dropped, and leading or trailing dots and underscores are
    stripped, so no hidden or parent-directory names come out::

        secure_filename("../../etc/passwd")   # 'etc_passwd'
        secure_filename("My cool movie.mov")  # 'My_cool_movie.mov'
        secure_filename("nul.txt")            # '_nul.txt'

    Windows device names (``CON``, ``NUL``, ``COM1``...) are prefixed with
    ``_`` on every platform, since files move between systems. A name longer
    than ``max_length`` characters is shortened, keeping its extension.

    The result may be the empty string (``"../.."`` or a name made only of
    non-Latin letters): choose a name of your own then, never save under "".
    """
    filename = unicodedata.normalize("NFKD", filename)
    filename = filename.encode("ascii", "ignore").decode("ascii")
    # SECURITY: separators of every OS become spaces before any other cleanup,
    # so "..\\..\\x" on a POSIX server cannot keep a path structure either.
    filename = filename.replace("/", " ").replace("\\", " ")
    filename = _UNSAFE_CHARS.sub("", "_".join(filename.split()))
    filename = filename.strip("._")

    # COMPAT(flask): Werkzeug only does this when running on Windows.
    if filename and filename.split(".")[0].upper() in _WINDOWS_DEVICES:
        filename = f"_{filename}"

    if len(filename) > max_length:
        stem, dot, ext = filename.rpartition(".")
        if dot and 0 < len(ext) < max_length // 2:
            filename = f"{stem[: max_length - len(ext) - 1]}.{ext}"
        else:
            filename = filename[:max_length].rstrip("._")
    return filename


def safe_join(directory: str, *paths: str) -> str | None:
    """Join untrusted ``paths`` below ``directory``, or return ``None`` if unsafe.

    Each path may contain ``/`` separators. ``None`` is returned when any part
    could leave ``directory`` or means something else on another OS: a ``..``
    segment, an absolute path, a backslash, a Windows drive (``C:``) or a NUL
    byte. Empty parts are ignored; the result is normalised::

        safe_join("/srv/static", "css", "site.css")  # '/srv/static/css/site.css'
        safe_join("/srv/static", "../secret")        # None

    Use it whenever a URL or a form value chooses a file to read or write;
    ``send_from_directory`` does.
    """
    if not directory:
        directory = "."
    parts = [directory]
    for path in paths:
        if path == "":
            continue
        # SECURITY: "\\" and drive letters are separators or roots on Windows;
        # NUL truncates names in C APIs. None of them belongs in a web path.
        if "\0" in path or "\\" in path or _DRIVE.match(path):
            return None
        # COMPAT(flask): Werkzeug allows "a/../b" when it stays inside; erlen
        # refuses every ".." so no reader has to reason about normalisation.
        if ".." in path.split("/"):
            return None
        normal = posixpath.normpath(path)
        if normal.startswith("/") or normal == ".." or normal.startswith("../"):
            return None
        if normal != ".":
            parts.append(normal)
    return posixpath.join(*parts)
