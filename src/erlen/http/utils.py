"""Helpers of the toolkit that fit no other module: filename and path safety
for files that come from users (:func:`secure_filename`, :func:`safe_join`),
importing by dotted name (:func:`import_string`, :func:`find_modules`),
descriptors (:class:`cached_property`, :class:`environ_property`,
:class:`header_property`), :func:`get_content_type` and
:func:`append_slash_redirect`.

The names follow ``werkzeug.utils``.
"""

from __future__ import annotations

import importlib
import os
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, Generic, Self, TypeVar, overload
from urllib.parse import quote

from .response import Response, _content_type_for, redirect, redirect_page
from .urls import _QUERY_SAFE
from .wsgi import _PATH_SAFE

__all__ = [
    "ImportStringError",
    "append_slash_redirect",
    "cached_property",
    "environ_property",
    "find_modules",
    "get_content_type",
    "header_property",
    "import_string",
    "redirect",
    "redirect_page",
    "safe_join",
    "secure_filename",
]

_T = TypeVar("_T")
_missing: Any = object()

_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_.-]")
_DRIVE = re.compile(r"^[A-Za-z]:")

# Names Windows resolves to devices whatever the extension ("nul.txt" is NUL).
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{name}{n}" for name in ("COM", "LPT") for n in "0123456789\u00b9\u00b2\u00b3"]
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
    byte, and on Windows a device name (``CON``, ``nul.txt``, ``COM1``).
    Empty parts are ignored; the result is normalised::

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
        # SECURITY: on Windows "CON", "nul.txt" or "b/COM1 " name a device
        # (reading it blocks or reads the console), not a file in the folder.
        if os.name == "nt" and any(
            segment.partition(".")[0].strip().upper() in _WINDOWS_DEVICES
            for segment in normal.split("/")
        ):
            return None
        if normal != ".":
            parts.append(normal)
    return posixpath.join(*parts)


# --------------------------------------------------------------------------
# Descriptors
# --------------------------------------------------------------------------


class cached_property(Generic[_T]):
    """A property computed once per instance, on first access.

    The value is stored in the instance's ``__dict__`` under the property's
    name. Assigning sets the stored value; ``del`` drops it, so the next
    access computes it again. With nothing stored, ``del`` raises a
    :exc:`KeyError` (as Werkzeug's does) that is also an :exc:`AttributeError`::

        class Page:
            @cached_property
            def words(self) -> list[str]:
                return expensive_split(self.text)

        page.words          # computed
        page.words          # the stored list
        page.words = []     # replaced
        del page.words      # computed again on the next access

    ``name`` is where the value is stored (the function's name by default).
    The instance needs a ``__dict__``: a class with ``__slots__`` only gets a
    ``TypeError`` on access.
    """

    def __init__(
        self, fget: Callable[[Any], _T], name: str | None = None, doc: str | None = None
    ) -> None:
        self.fget = fget
        self.__name__ = name or fget.__name__
        self.__doc__ = doc if doc is not None else fget.__doc__
        self.__module__ = fget.__module__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> _T | Self:
        if obj is None:
            return self
        store: dict[str, Any] | None = getattr(obj, "__dict__", None)
        if store is None:
            raise TypeError(
                f"cached_property {self.__name__!r} stores its value in the instance's"
                f" __dict__, and {type(obj).__name__!r} objects have none."
            )
        value = store.get(self.__name__, _missing)
        if value is _missing:
            value = store[self.__name__] = self.fget(obj)
        return value  # type: ignore[no-any-return]

    # A data descriptor (lookups call __get__, as with Werkzeug's), because
    # extensions clear the value whether or not it was computed and catch
    # Werkzeug's KeyError: Flask-Dance's `del blueprint.session` in teardown.
    def __set__(self, obj: object, value: _T) -> None:
        obj.__dict__[self.__name__] = value

    def __delete__(self, obj: object) -> None:
        try:
            del obj.__dict__[self.__name__]
        except KeyError:
            raise _NotCached(self.__name__) from None


class _NotCached(KeyError, AttributeError):
    """``del`` of a :class:`cached_property` with no stored value: Werkzeug
    raises :exc:`KeyError`, Python's ``del`` of a missing attribute
    :exc:`AttributeError`; code written for either catches this."""


class _MappingProperty(Generic[_T]):
    """Base of :class:`environ_property` and :class:`header_property`: an
    attribute that reads (and, unless read-only, writes) one key of a
    mapping of the instance."""

    read_only = False

    def __init__(
        self,
        name: str,
        default: _T | None = None,
        load_func: Callable[[Any], _T] | None = None,
        dump_func: Callable[[_T], Any] | None = None,
        read_only: bool | None = None,
        doc: str | None = None,
    ) -> None:
        self.name = name
        self.default = default
        self.load_func = load_func
        self.dump_func = dump_func
        if read_only is not None:
            self.read_only = read_only
        self.__doc__ = doc

    def lookup(self, obj: Any) -> MutableMapping[str, Any]:
        """The mapping of ``obj`` the key is read from."""
        raise NotImplementedError

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> _T | Self | None:
        if obj is None:
            return self
        storage = self.lookup(obj)
        if self.name not in storage:
            return self.default
        value = storage[self.name]
        if self.load_func is None:
            return value  # type: ignore[no-any-return]
        try:
            return self.load_func(value)
        except (ValueError, TypeError):
            return self.default

    def __set__(self, obj: object, value: _T) -> None:
        if self.read_only:
            raise AttributeError("read only property")
        self.lookup(obj)[self.name] = value if self.dump_func is None else self.dump_func(value)

    def __delete__(self, obj: object) -> None:
        if self.read_only:
            raise AttributeError("read only property")
        self.lookup(obj).pop(self.name, None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class environ_property(_MappingProperty[_T]):
    """An attribute that reads the key ``name`` of ``obj.environ``.

    A missing key gives ``default``; ``load_func`` converts the value (a
    ``ValueError`` or ``TypeError`` from it gives ``default`` too). Read-only
    unless ``read_only=False``; then assigning stores ``dump_func(value)``
    (or the value itself) and ``del`` removes the key::

        class Wrapper:
            def __init__(self, environ):
                self.environ = environ

            content_length = environ_property("CONTENT_LENGTH", 0, load_func=int)
    """

    read_only = True

    def lookup(self, obj: Any) -> MutableMapping[str, Any]:
        """``obj.environ``."""
        return obj.environ  # type: ignore[no-any-return]


class header_property(_MappingProperty[_T]):
    """Like :class:`environ_property`, for the header ``name`` of
    ``obj.headers``; writable unless ``read_only=True``."""

    def lookup(self, obj: Any) -> MutableMapping[str, Any]:
        """``obj.headers``."""
        return obj.headers  # type: ignore[no-any-return]


# --------------------------------------------------------------------------
# Importing by name
# --------------------------------------------------------------------------


class ImportStringError(ImportError):
    """:func:`import_string` could not import ``import_name``; ``exception``
    is the error that stopped it."""

    #: The dotted name that failed (``:`` replaced by ``.``).
    import_name: str
    #: The underlying error.
    exception: BaseException

    def __init__(self, import_name: str, exception: BaseException) -> None:
        self.import_name = import_name
        self.exception = exception
        super().__init__(self._describe())

    def _describe(self) -> str:
        lines = [f"import_string() failed for {self.import_name!r}."]
        prefix = ""
        for part in self.import_name.split("."):
            prefix = f"{prefix}.{part}" if prefix else part
            found = import_string(prefix, silent=True) if part else None
            if found is None:
                lines.append(f"{prefix!r} was not found (is it on sys.path, spelt right,")
                lines.append("in a package with an __init__.py, not shadowed by another module?).")
                break
            lines.append(f"{prefix!r} was found in {getattr(found, '__file__', None)!r}.")
        lines.append(f"The error: {type(self.exception).__name__}: {self.exception}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}({self.import_name!r}, {self.exception!r})>"


def import_string(import_name: str, silent: bool = False) -> Any:
    """Import an object from its dotted name: a module (``"os.path"``) or an
    attribute of one (``"os.path.join"`` or ``"os.path:join"``).

    A failure raises :class:`ImportStringError` (an ``ImportError``), or
    returns None with ``silent=True``. An empty or relative name is a
    ``ValueError`` either way.
    """
    name = import_name.replace(":", ".")
    if name.startswith("."):
        raise ValueError(f"import_string() needs an absolute name, not {import_name!r}.")
    try:
        try:
            return importlib.import_module(name)
        except ImportError as e:
            # Only "no module of that name" means "try an attribute": a
            # module that exists but fails to import reports its own error.
            if "." not in name or not (isinstance(e, ModuleNotFoundError) and e.name == name):
                raise
        module_name, _, attribute = name.rpartition(".")
        module = importlib.import_module(module_name)
        try:
            return getattr(module, attribute)
        except AttributeError as e:
            raise ImportError(e) from None
    except ImportError as e:
        if silent:
            return None
        raise ImportStringError(name, e).with_traceback(e.__traceback__) from None


def find_modules(
    import_path: str, include_packages: bool = False, recursive: bool = False
) -> Iterator[str]:
    """Yield the dotted names of the modules in the package ``import_path``.

    Subpackages are yielded only with ``include_packages``; ``recursive``
    descends into them (importing each). A name that is not a package is a
    ``ValueError`` (raised on iteration: this is a generator).
    """
    package = import_string(import_path)
    search_path = getattr(package, "__path__", None)
    if search_path is None:
        raise ValueError(f"{import_path!r} is not a package")
    # PERF: imported on use (with importlib.util): not part of `import erlen`.
    import pkgutil

    for info in pkgutil.iter_modules(search_path, f"{package.__name__}."):
        if not info.ispkg:
            yield info.name
            continue
        if include_packages:
            yield info.name
        if recursive:
            yield from find_modules(info.name, include_packages, True)


# --------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------


def get_content_type(mimetype: str, charset: str) -> str:
    """The ``Content-Type`` value for ``mimetype``: with ``; charset=...``
    for text types (``text/*``, XML and JavaScript types, the ones a
    :class:`~erlen.http.response.Response` gives a charset), as it is for
    the rest::

        get_content_type("text/html", "utf-8")   # 'text/html; charset=utf-8'
        get_content_type("image/png", "utf-8")   # 'image/png'
    """
    if _content_type_for(mimetype) == mimetype:
        return mimetype
    return f"{mimetype}; charset={charset}"


def _wsgi_bytes(text: str) -> bytes:
    """The bytes a WSGI string stands for (PEP 3333: latin-1 decoded)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def append_slash_redirect(environ: Mapping[str, Any], code: int = 308) -> Response:
    """A redirect to the URL of ``environ`` with ``/`` appended to the path.

    ``Location`` is relative, the last path segment and a slash
    (``/user/42?x=1`` gives ``42/?x=1``; a path ending in ``/`` gives
    ``./``), so it works behind any prefix. 308 keeps the method and body.
    Calling it for a path that already ends with a slash redirects to the
    same URL.
    """
    tail = str(environ.get("PATH_INFO") or "").rpartition("/")[2]
    # COMPAT(werkzeug): Werkzeug puts the decoded WSGI strings in Location
    # and encodes them as UTF-8 later, which garbles a non-ASCII path; the
    # bytes of the request are escaped here instead.
    location = f"{quote(_wsgi_bytes(tail), safe=_PATH_SAFE)}/" if tail else "./"
    query = environ.get("QUERY_STRING")
    if query:
        location += "?" + quote(_wsgi_bytes(str(query)), safe=_QUERY_SAFE)
    return redirect(location, code)
