"""Request argument parsing: :class:`RequestParser` and :class:`Argument`.

::

    parser = reqparse.RequestParser()
    parser.add_argument("name", required=True, help="Name cannot be blank: {error_msg}")
    parser.add_argument("rate", type=int, location="args")
    args = parser.parse_args()          # a Namespace: args["name"], args.rate

By default an argument is read from the JSON body and from the form body or
query string (``location=("json", "values")``): a JSON request and a
form-encoded one are read alike. A bad value answers 400 with
``{"message": {"<argument>": "<why>"}}``.
"""

from __future__ import annotations

import copy as _copy
import decimal
import sys
from collections.abc import Callable, Iterable, Mapping, MutableSequence
from typing import Any

from erlen import current_app, request
from erlen.http.datastructures import FileStorage, MultiDict
from erlen.http.exceptions import BadRequest

__all__ = ["Argument", "Namespace", "RequestParser"]


class Namespace(dict[str, Any]):
    """The parsed arguments: a dict whose keys are also attributes."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


#: How error messages name each location.
_FRIENDLY_LOCATION = {
    "json": "the JSON body",
    "form": "the post body",
    "args": "the query string",
    "values": "the post body or the query string",
    "headers": "the HTTP headers",
    "cookies": "the request's cookies",
    "files": "an uploaded file",
}


def _json_source(req: Any) -> Mapping[str, Any] | None:
    """The JSON body as an object, or None when the request has no JSON."""
    # COMPAT(flask_restful): there ``request.json`` raises 415 for every
    # non-JSON request under Flask 2.3+, so a form post or a plain GET failed;
    # here a request without a JSON body simply has no JSON arguments.
    if not getattr(req, "is_json", False):
        return None
    if not req.get_data(cache=True):
        return None
    body = req.get_json()  # malformed JSON: 400 "Failed to decode JSON object"
    if body is None:
        return None
    if not isinstance(body, Mapping):
        raise BadRequest(
            "The JSON body must be an object (of argument names and values),"
            f" not a {type(body).__name__}."
        )
    return body


def _abort(http_status_code: int, **kwargs: Any) -> Any:
    """``erlen.ext.rest.abort``, looked up when called."""
    # COMPAT(flask_restful): replacing the package's ``abort`` (a known way
    # to shape reqparse's error responses) reaches the parser.
    package: Any = sys.modules[__name__.rpartition(".")[0]]
    return package.abort(http_status_code, **kwargs)


def _read_location(req: Any, location: str) -> Any:
    if location == "json":
        return _json_source(req)
    if location.startswith("_"):
        raise ValueError(f"{location!r} is not a request location")
    value = getattr(req, location, None)
    if callable(value):
        value = value()
    return value


class Argument:
    """One argument of a :class:`RequestParser`.

    :param name: the key to read (and, without ``dest``, to store under).
    :param default: the value when the argument is missing (a callable is called).
    :param dest: the key to store the value under instead of ``name``.
    :param required: a missing argument answers 400.
    :param ignore: a value the ``type`` rejects is skipped instead of a 400.
    :param type: converts the value: ``type(value)``, or ``type(value, name)``
        / ``type(value, name, operator)`` when it takes them (see
        :mod:`erlen.ext.rest.inputs`). Its exception message is the error.
    :param location: where to read: ``"json"``, ``"values"``, ``"form"``,
        ``"args"``, ``"headers"``, ``"cookies"``, ``"files"``, or a list; with
        a list, the later location wins for a single value.
    :param choices: the values allowed.
    :param action: ``"store"`` (one value) or ``"append"`` (the list of values).
    :param help: the error message; ``{error_msg}`` inserts the reason.
    :param operators: suffixes read after the name (``">="`` reads ``name>``).
    :param case_sensitive: ``False`` lower-cases values (and choices).
    :param store_missing: store the default when the argument is missing.
    :param trim: strip whitespace around values.
    :param nullable: allow a JSON ``null`` value (else 400 "Must not be null!").
    """

    def __init__(
        self,
        name: str,
        default: Any = None,
        dest: str | None = None,
        required: bool = False,
        ignore: bool = False,
        type: Callable[..., Any] = str,
        location: str | Iterable[str] = ("json", "values"),
        choices: Iterable[Any] = (),
        action: str = "store",
        help: str | None = None,
        operators: Iterable[str] = ("=",),
        case_sensitive: bool = True,
        store_missing: bool = True,
        trim: bool = False,
        nullable: bool = True,
    ) -> None:
        self.name = name
        self.default = default
        self.dest = dest
        self.required = required
        self.ignore = ignore
        self.location = location
        self.type = type
        self.choices = choices
        self.action = action
        self.help = help
        self.case_sensitive = case_sensitive
        self.operators = operators if isinstance(operators, list | tuple) else tuple(operators)
        self.store_missing = store_missing
        self.trim = trim
        self.nullable = nullable

    def __str__(self) -> str:
        choices = list(self.choices)
        if len(choices) > 5:
            choices = [*choices[:3], "...", choices[-1]]
        return f"Name: {self.name}, type: {self.type}, choices: {choices}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.name!r}, default={self.default!r},"
            f" dest={self.dest!r}, required={self.required}, ignore={self.ignore},"
            f" location={self.location!r}, type={self.type!r}, choices={self.choices!r},"
            f" action={self.action!r}, help={self.help!r}, case_sensitive={self.case_sensitive},"
            f" operators={self.operators!r}, store_missing={self.store_missing},"
            f" trim={self.trim}, nullable={self.nullable})"
        )

    def _locations(self) -> list[str]:
        if isinstance(self.location, str):
            return [self.location]
        return list(self.location)

    def source(self, request: Any) -> Any:
        """The values of the request at :attr:`location`: that mapping for a
        single location, a :class:`MultiDict` merging them for a list."""
        if isinstance(self.location, str):
            value = _read_location(request, self.location)
            return value if value is not None else MultiDict()
        merged: MultiDict[str, Any] = MultiDict()
        for location in self.location:
            value = _read_location(request, location)
            if value is not None:
                merged.update(value)
        return merged

    def convert(self, value: Any, op: str) -> Any:
        """Convert one raw value with :attr:`type` (``None`` stays ``None``
        when :attr:`nullable`)."""
        if value is None:
            if self.nullable:
                return None
            raise ValueError("Must not be null!")
        if isinstance(value, FileStorage) and self.type is FileStorage:
            return value
        # The type may take (value, name, op), (value, name) or (value).
        try:
            return self.type(value, self.name, op)
        except TypeError:
            try:
                if self.type is decimal.Decimal:
                    return decimal.Decimal(str(value))
                return self.type(value, self.name)
            except TypeError:
                return self.type(value)

    def _message(self, error: BaseException) -> str:
        error_str = str(error)
        if not self.help:
            return error_str
        try:
            return self.help.format(error_msg=error_str)
        except (KeyError, IndexError, ValueError):
            # A help text with other braces in it: insert the reason only.
            return self.help.replace("{error_msg}", error_str)

    def handle_validation_error(self, error: BaseException, bundle_errors: bool) -> tuple[Any, Any]:
        """Answer 400 ``{"message": {name: message}}``; when errors are
        bundled, return ``(error, {name: message})`` instead.

        (A replacement ``erlen.ext.rest.abort`` that returns leaves the
        argument out: ``(None, False)``.)"""
        msg = {self.name: self._message(error)}
        if bundle_errors or current_app.config.get("BUNDLE_ERRORS", False):
            return error, msg
        _abort(400, message=msg)
        return None, False

    def parse(self, request: Any, bundle_errors: bool = False) -> tuple[Any, Any]:
        """Read, convert and check this argument: ``(value, found)``, or
        ``(error, {name: message})`` when errors are bundled."""
        source = self.source(request)
        choices = self.choices
        results: list[Any] = []
        for operator in self.operators:
            name = self.name + operator.replace("=", "", 1)
            if name not in source:
                continue
            if hasattr(source, "getlist"):
                values = source.getlist(name)
            else:
                values = source.get(name)
                if not (isinstance(values, MutableSequence) and self.action == "append"):
                    values = [values]
            for value in values:
                if self.trim and hasattr(value, "strip"):
                    value = value.strip()
                if not self.case_sensitive and hasattr(value, "lower"):
                    value = value.lower()
                    choices = [c.lower() if hasattr(c, "lower") else c for c in self.choices]
                try:
                    value = self.convert(value, operator)
                except Exception as error:
                    if self.ignore:
                        continue
                    return self.handle_validation_error(error, bundle_errors)
                if choices and value not in choices:
                    return self.handle_validation_error(
                        ValueError(f"{value} is not a valid choice"), bundle_errors
                    )
                results.append(value)

        if not results and self.required:
            where = " or ".join(_FRIENDLY_LOCATION.get(loc, loc) for loc in self._locations())
            return self.handle_validation_error(
                ValueError(f"Missing required parameter in {where}"), bundle_errors
            )
        if not results:
            default = self.default() if callable(self.default) else self.default
            return default, False
        if self.action == "append":
            return results, True
        if self.action == "store" or len(results) == 1:
            return results[0], True
        return results, True


class RequestParser:
    """A set of :class:`Argument` s parsed together from the current request.

    :param trim: strip whitespace around every argument's values.
    :param bundle_errors: report every bad argument at once instead of the
        first one (also on for the whole app with ``BUNDLE_ERRORS``).
    """

    def __init__(
        self,
        argument_class: type[Argument] = Argument,
        namespace_class: type[dict[str, Any]] = Namespace,
        trim: bool = False,
        bundle_errors: bool = False,
    ) -> None:
        self.args: list[Argument] = []
        self.argument_class = argument_class
        self.namespace_class = namespace_class
        self.trim = trim
        self.bundle_errors = bundle_errors

    def add_argument(self, *args: Any, **kwargs: Any) -> RequestParser:
        """Add an :class:`Argument` (an instance, or its constructor's
        arguments). Returns the parser, so calls can be chained."""
        if len(args) == 1 and isinstance(args[0], self.argument_class):
            self.args.append(args[0])
        else:
            self.args.append(self.argument_class(*args, **kwargs))
        if self.trim and self.argument_class is Argument:
            self.args[-1].trim = kwargs.get("trim", self.trim)
        return self

    def parse_args(self, req: Any = None, strict: bool = False, http_error_code: int = 400) -> Any:
        """Parse every argument from ``req`` (the current request by default)
        and return a :class:`Namespace`.

        ``strict=True`` answers 400 "Unknown arguments: ..." for JSON, form or
        query keys no argument reads. Bundled errors answer ``http_error_code``.
        """
        if req is None:
            req = request
        namespace = self.namespace_class()
        unparsed: dict[str, Any] = dict(self.argument_class("").source(req)) if strict else {}
        errors: dict[str, str] = {}
        for arg in self.args:
            value, found = arg.parse(req, self.bundle_errors)
            if isinstance(found, dict):
                # A bundled error: (exception, {name: message}).
                errors.update(found)
                continue
            if found or arg.store_missing:
                namespace[arg.dest or arg.name] = value
            if unparsed and found:
                source = arg.source(req)
                for operator in arg.operators:
                    name = arg.name + operator.replace("=", "", 1)
                    if name in source:
                        unparsed.pop(name, None)
        if errors:
            _abort(http_error_code, message=errors)
        if strict and unparsed:
            raise BadRequest("Unknown arguments: " + ", ".join(unparsed))
        return namespace

    def copy(self) -> RequestParser:
        """A new parser with copies of this one's arguments and settings."""
        parser_copy = type(self)(self.argument_class, self.namespace_class)
        parser_copy.args = _copy.deepcopy(self.args)
        parser_copy.trim = self.trim
        parser_copy.bundle_errors = self.bundle_errors
        return parser_copy

    def replace_argument(self, name: str, *args: Any, **kwargs: Any) -> RequestParser:
        """Replace the argument ``name`` with a new one built from the arguments
        (it moves to the end of the parse order)."""
        new_arg = self.argument_class(name, *args, **kwargs)
        for index, arg in enumerate(self.args):
            if arg.name == new_arg.name:
                del self.args[index]
                self.args.append(new_arg)
                break
        return self

    def remove_argument(self, name: str) -> RequestParser:
        """Remove the argument ``name``, if present."""
        for index, arg in enumerate(self.args):
            if arg.name == name:
                del self.args[index]
                break
        return self
