"""Application configuration: :class:`Config`, :class:`ConfigAttribute`, :data:`DEFAULT_CONFIG`.

``app.config`` is a :class:`Config`, a ``dict`` that can also load keys from
Python files, objects, environment variables and data files::

    app.config.from_object("yourapp.default_settings")
    app.config.from_pyfile("settings.cfg", silent=True)
    app.config.from_prefixed_env()          # ERLEN_SECRET_KEY=... and friends

Only UPPERCASE keys are taken from objects, files and mappings, so helpers
and imports in a settings module never leak into the configuration.

Every key of Flask 3.1 is there, with Flask's default except
``SESSION_COOKIE_SAMESITE`` (``"Lax"``, where Flask sends no attribute).
erlen adds these keys of its own:

``SESSION_COOKIE_FORMAT``
    ``"encrypted"`` (default): the session cookie is encrypted and
    authenticated (AES-GCM); a Flask-format signed cookie made with the same
    ``SECRET_KEY`` is still read, and rewritten encrypted.
``PROXY_FIX``
    ``None`` (default) trusts no proxy. A dict of how many proxies set each
    ``X-Forwarded-*`` header, such as ``{"x_for": 1, "x_proto": 1}``, makes
    ``request.remote_addr``, ``scheme``, ``host`` and the mount point follow
    them (the keyword arguments of ``erlen.http.proxy.resolve_forwarded``,
    Werkzeug's ``ProxyFix`` counts).
``ASGI_THREAD_POOL_SIZE``
    ``40``: worker threads that run sync views, hooks and body iterators under
    ASGI (read once, when the pool is first used).
``ASGI_BODY_SPOOL_SIZE``
    ``1048576`` (1 MiB): under ASGI a request body is received before the view
    runs; above this many bytes it is spooled to a temporary file instead of
    kept in memory. ``MAX_CONTENT_LENGTH`` still bounds its size.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
import types
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import timedelta
from typing import IO, Any, Generic, NoReturn, TypeVar, overload

__all__ = ["DEFAULT_CONFIG", "Config", "ConfigAttribute", "make_timedelta"]

T = TypeVar("T")


class _FrozenDict(dict[str, Any]):
    """A ``dict`` that refuses every change, so shared defaults stay intact."""

    __slots__ = ()

    def _readonly(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{type(self).__name__} is immutable; copy it with dict() first")

    __setitem__ = __delitem__ = _readonly
    clear = pop = popitem = setdefault = update = _readonly
    __ior__ = _readonly

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))


#: The configuration every application starts from: Flask 3.1's keys and
#: values, plus erlen's own (see the module documentation for each).
DEFAULT_CONFIG: dict[str, Any] = _FrozenDict(
    {
        "DEBUG": None,
        "TESTING": False,
        "PROPAGATE_EXCEPTIONS": None,
        "SECRET_KEY": None,
        "SECRET_KEY_FALLBACKS": None,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
        "USE_X_SENDFILE": False,
        "TRUSTED_HOSTS": None,
        "SERVER_NAME": None,
        "APPLICATION_ROOT": "/",
        "SESSION_COOKIE_NAME": "session",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_PARTITIONED": False,
        # COMPAT(flask): Flask defaults to None (no SameSite attribute).
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_REFRESH_EACH_REQUEST": True,
        "SESSION_COOKIE_FORMAT": "encrypted",
        "MAX_CONTENT_LENGTH": None,
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 1_000,
        "SEND_FILE_MAX_AGE_DEFAULT": None,
        "TRAP_BAD_REQUEST_ERRORS": None,
        "TRAP_HTTP_EXCEPTIONS": False,
        "EXPLAIN_TEMPLATE_LOADING": False,
        "PREFERRED_URL_SCHEME": "http",
        "TEMPLATES_AUTO_RELOAD": None,
        "MAX_COOKIE_SIZE": 4093,
        "PROVIDE_AUTOMATIC_OPTIONS": True,
        "PROXY_FIX": None,
        "ASGI_THREAD_POOL_SIZE": 40,
        "ASGI_BODY_SPOOL_SIZE": 1024 * 1024,
    }
)


def make_timedelta(value: timedelta | int | float | None) -> timedelta | None:
    """Return ``value`` as a :class:`~datetime.timedelta`; numbers are seconds.

    ``None`` stays ``None``. Used as the ``get_converter`` of
    ``app.permanent_session_lifetime`` and ``app.send_file_max_age_default``.
    """
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


class ConfigAttribute(Generic[T]):
    """A class attribute that reads and writes ``self.config[name]``.

    ``secret_key = ConfigAttribute("SECRET_KEY")`` on the app class makes
    ``app.secret_key`` and ``app.config["SECRET_KEY"]`` the same value. An
    optional ``get_converter`` transforms the value on read.
    """

    __slots__ = ("__name__", "get_converter")

    def __init__(self, name: str, get_converter: Callable[[Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> ConfigAttribute[T]: ...

    @overload
    def __get__(self, obj: object, owner: type[Any] | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        rv = obj.config[self.__name__]  # type: ignore[attr-defined]
        if self.get_converter is not None:
            rv = self.get_converter(rv)
        return rv

    def __set__(self, obj: object, value: Any) -> None:
        obj.config[self.__name__] = value  # type: ignore[attr-defined]


def _import_string(import_name: str) -> Any:
    """Import ``"pkg.module"``, ``"pkg.module.attr"`` or ``"pkg.module:attr"``."""
    if ":" in import_name:
        module_name, _, attr = import_name.partition(":")
    else:
        try:
            return importlib.import_module(import_name)
        except ModuleNotFoundError as e:
            # Only "this name is not a module" means "try it as an attribute";
            # an import failing inside the module must surface unchanged.
            if e.name != import_name or "." not in import_name:
                raise
        module_name, _, attr = import_name.rpartition(".")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ImportError(
            f"Could not import {import_name!r} for the configuration: module"
            f" {module_name!r} has no attribute {attr!r}"
        ) from None


def _reraise_unless_silent(e: OSError, silent: bool) -> bool:
    if silent and e.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
        return False
    e.strerror = f"Unable to load configuration file ({e.strerror})"
    raise e


class Config(dict[str, Any]):
    """A ``dict`` of settings, with loaders for files, objects and the environment.

    ``root_path`` is the folder relative file names are resolved against (the
    app's root path, or its instance path with ``instance_relative_config``).
    ``defaults`` is copied in, never shared.
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file named by the environment variable ``variable_name``.

        Returns ``False`` when ``silent`` and the variable is unset or the file is
        missing; otherwise a missing variable raises :class:`RuntimeError`.
        """
        filename = os.environ.get(variable_name)
        if not filename:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set, so no"
                " configuration could be loaded from it. Set it to the path of a"
                " configuration file."
            )
        return self.from_pyfile(filename, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "ERLEN", *, loads: Callable[[str], Any] = json.loads
    ) -> bool:
        """Load every environment variable that starts with ``prefix + "_"``.

        The prefix is stripped from the key. Each value goes through ``loads``
        (JSON by default, so ``ERLEN_DEBUG=true`` is ``True`` and
        ``ERLEN_PORT=8000`` an ``int``); a value it cannot parse stays a string.
        A double underscore sets a nested key: ``ERLEN_DB__HOST=x`` sets
        ``config["DB"]["HOST"]``, creating the ``dict`` if needed. Variables are
        applied in sorted order.
        """
        # COMPAT(flask): Flask's default prefix is "FLASK"; pass prefix="FLASK"
        # to keep reading an existing deployment's variables.
        prefix = f"{prefix}_"
        for env_key in sorted(os.environ):
            if not env_key.startswith(prefix):
                continue
            raw = os.environ[env_key]
            key = env_key[len(prefix) :]
            value: Any
            try:
                value = loads(raw)
            except Exception:
                value = raw
            *parents, leaf = key.split("__")
            target: MutableMapping[str, Any] = self
            for part in parents:
                if part not in target:
                    target[part] = {}
                child = target[part]
                if not isinstance(child, MutableMapping):
                    raise TypeError(
                        f"Cannot set {env_key!r}: config key {part!r} holds a"
                        f" {type(child).__name__}, not a mapping"
                    )
                target = child
            target[leaf] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Execute a Python file and load its UPPERCASE names.

        ``filename`` is relative to :attr:`root_path`. Returns ``False`` when
        ``silent`` and the file does not exist, ``True`` when it loaded.
        """
        path = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            with open(path, "rb") as f:
                source = f.read()
        except OSError as e:
            return _reraise_unless_silent(e, silent)
        exec(compile(source, path, "exec"), module.__dict__)
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Load the UPPERCASE attributes of an object, class or module.

        A string is imported first (``"pkg.settings"`` or
        ``"pkg.settings:ProductionConfig"``). Properties on a class are not
        evaluated; pass an instance for that.
        """
        if isinstance(obj, str):
            obj = _import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a data file with ``load`` and apply its UPPERCASE keys.

        ``load`` gets the open file, e.g. ``json.load`` or ``tomllib.load`` (with
        ``text=False``, since tomllib reads bytes). Returns ``False`` when
        ``silent`` and the file does not exist.
        """
        path = os.path.join(self.root_path, filename)
        try:
            with open(path, "r" if text else "rb") as f:
                obj = load(f)
        except OSError as e:
            return _reraise_unless_silent(e, silent)
        return self.from_mapping(obj)

    def from_mapping(
        self, mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None, **kwargs: Any
    ) -> bool:
        """Apply the UPPERCASE keys of ``mapping`` and ``kwargs``; others are ignored."""
        items: dict[str, Any] = {}
        if mapping is not None:
            items.update(mapping)
        items.update(kwargs)
        for key, value in items.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        """Return the keys that start with ``namespace`` as a new ``dict``.

        ``app.config.get_namespace("IMAGE_STORE_")`` turns
        ``IMAGE_STORE_TYPE`` into ``{"type": ...}``; ``trim_namespace=False``
        keeps the prefix and ``lowercase=False`` keeps the case.
        """
        rv: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            rv[name.lower() if lowercase else name] = value
        return rv

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"
