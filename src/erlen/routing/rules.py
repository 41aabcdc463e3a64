"""URL rules and rule factories.

A :class:`Rule` is one URL pattern such as ``/user/<int:id>`` tied to an
endpoint. Placeholders are written ``<converter(arguments):name>``; the
converter and its arguments are optional (``<name>`` is a string without a
slash). Converter arguments are Python-like literals, positional or by name:
``<int(min=1, max=9):x>``, ``<any(about, help, "a,b"):page>``,
``<string(length=2):lang>``.

Rule factories (:class:`Submount`, :class:`Subdomain`, :class:`EndpointPrefix`,
:class:`RuleTemplate`) produce rules with a shared prefix, subdomain or
endpoint prefix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from string import Template
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from .builder import encode_query
from .converters import PATH_SAFE, BaseConverter, ValidationError, matcher_shortcut

if TYPE_CHECKING:
    from .map import Map

__all__ = [
    "EndpointPrefix",
    "Rule",
    "RuleFactory",
    "RuleTemplate",
    "Subdomain",
    "Submount",
    "parse_converter_args",
    "parse_rule",
]

_TOKEN_RE = re.compile(
    r"""
    (?P<slash>/)
    | <(?:(?P<converter>[A-Za-z_][A-Za-z0-9_]*)(?:\((?P<args>.*?)\))?:)?
       (?P<variable>[A-Za-z_][A-Za-z0-9_]*)>
    | (?P<static>[^</]+)
    """,
    re.VERBOSE | re.DOTALL,
)
_ARG_RE = re.compile(
    r"""
    \s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*)?
    (?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,"'=]+)
    \s*(?:,|\Z)
    """,
    re.VERBOSE | re.DOTALL,
)
#: ``<name>`` placeholders in a ``redirect_to`` string.
PLACEHOLDER_RE = re.compile(r"<([^>]+)>")
_SLASHES_RE = re.compile("/{2,}")
_CONSTANTS: dict[str, Any] = {"None": None, "True": True, "False": False}
_GROUP = "_erlen_"
_SUFFIX_GROUP = "_erlen_slash"


def _literal(text: str) -> Any:
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    if text[0] in "\"'":
        # COMPAT(werkzeug): the text between the quotes as written, without
        # Python's escapes, so a converter's regex keeps "\b" and "\d"; only
        # an escaped quote (which Werkzeug cannot read at all) loses its "\".
        quote = text[0]
        return text[1:-1].replace("\\" + quote, quote)
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    return text


def parse_converter_args(argstr: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Parse the text between the parentheses of ``<conv(...):name>``.

    Values are ``True``, ``False``, ``None``, numbers, quoted strings (the
    text between the quotes, backslashes kept, as Werkzeug reads them: a
    regex argument needs no doubled backslashes; ``\'`` is a quote) or bare words (taken as
    strings). ``"3, b, x='y'"`` gives ``((3, "b"), {"x": "y"})``.
    Raises :class:`ValueError` on text it cannot read.
    """
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if not argstr.strip():
        return (), kwargs
    pos = 0
    while pos < len(argstr):
        found = _ARG_RE.match(argstr, pos)
        if found is None:
            raise ValueError(f"cannot parse converter arguments {argstr!r} at {argstr[pos:]!r}")
        value = _literal(found["value"])
        if found["name"]:
            kwargs[found["name"]] = value
        else:
            args.append(value)
        pos = found.end()
    return tuple(args), kwargs


#: One piece of a parsed rule string: ``("/", "")``, ``("static", text)`` or
#: ``("variable", name, converter name, argument text)``.
Token = tuple[str, ...]


def parse_rule(rule: str) -> Iterator[Token]:
    """Split a rule string into slashes, static text and variables.

    Raises :class:`ValueError` for a malformed placeholder.
    """
    pos = 0
    end = len(rule)
    while pos < end:
        found = _TOKEN_RE.match(rule, pos)
        if found is None:
            raise ValueError(f"malformed URL rule {rule!r}: cannot read {rule[pos:]!r}")
        if found["slash"]:
            yield ("/", "")
        elif found["static"] is not None:
            yield ("static", found["static"])
        else:
            yield (
                "variable",
                found["variable"],
                found["converter"] or "default",
                found["args"] or "",
            )
        pos = found.end()


@dataclass(slots=True, eq=False)
class RulePart:
    """One step of a rule through the matcher: a path segment or, once a
    converter that matches slashes appears, the whole rest of the path.

    ``weight`` orders competing dynamic parts: more static chunks first, longer
    static text first, more converters first, then lower converter weights.
    """

    static: bool
    #: The literal segment when static, else the regex source.
    content: str
    #: Consumes all remaining segments (joined with ``/``).
    final: bool
    #: A final part ending with ``/``: the slash is optional and reported.
    suffixed: bool
    weight: tuple[Any, ...]
    #: Names of the capture groups, in order.
    groups: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    #: For parts with several converters: ``(head, middle, end_gap, tail)``, the
    #: literal text the target must contain, see :meth:`plausible`.
    screen: tuple[str, tuple[tuple[int, str], ...], int, str] | None = None

    @property
    def key(self) -> tuple[Any, ...]:
        """Parts with equal keys share a matcher state."""
        return (self.static, self.content, self.final, self.suffixed, self.weight)

    def plausible(self, target: str) -> bool:
        """A linear-time test that ``target`` holds the part's literal text in
        order, with room for each converter's minimum width between them.

        Exact for converters that take any non-empty text; for others a
        necessary condition, so :attr:`pattern` still decides.
        """
        # SECURITY: several converters in one part make the regex backtrack in
        # O(n^k) on a target that almost matches ("<a>-<b>-<c>.json" against
        # 1,600 characters of "a-a-...": 2.8 s). Such targets fail here in O(n).
        assert self.screen is not None
        head, middle, end_gap, tail = self.screen
        if head and not target.startswith(head):
            return False
        end = len(target)
        if tail:
            if target.endswith(tail):
                end -= len(tail)
            elif self.suffixed and target.endswith(tail + "/"):
                end -= len(tail) + 1
            else:
                return False
        pos = len(head)
        for gap, literal in middle:
            found = target.find(literal, pos + gap, end)
            if found < 0:
                return False
            pos = found + len(literal)
        return end - pos >= end_gap


class RuleFactory:
    """Something that yields rules for a map; subclass and override :meth:`get_rules`."""

    def get_rules(self, map: Map) -> Iterable[Rule]:
        """The rules to add to ``map``."""
        raise NotImplementedError()


class Subdomain(RuleFactory):
    """Puts every rule it wraps on ``subdomain`` (itself a pattern, e.g. ``<user>``)."""

    def __init__(self, subdomain: str, rules: Iterable[RuleFactory]) -> None:
        self.subdomain = subdomain
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for factory in self.rules:
            for rule in factory.get_rules(map):
                rule = rule.empty()
                rule.subdomain = self.subdomain
                yield rule


class Submount(RuleFactory):
    """Prefixes the path of every rule it wraps with ``path``: ``Submount("/blog", [...])``."""

    def __init__(self, path: str, rules: Iterable[RuleFactory]) -> None:
        self.path = path.rstrip("/")
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for factory in self.rules:
            for rule in factory.get_rules(map):
                rule = rule.empty()
                rule.rule = self.path + rule.rule
                rule.is_leaf = not rule.rule.endswith("/")
                rule.is_branch = not rule.is_leaf
                yield rule


class EndpointPrefix(RuleFactory):
    """Prefixes the (string) endpoint of every rule it wraps with ``prefix``."""

    def __init__(self, prefix: str, rules: Iterable[RuleFactory]) -> None:
        self.prefix = prefix
        self.rules = rules

    def get_rules(self, map: Map) -> Iterator[Rule]:
        for factory in self.rules:
            for rule in factory.get_rules(map):
                rule = rule.empty()
                rule.endpoint = self.prefix + rule.endpoint
                yield rule


class RuleTemplate:
    """Rules with ``$placeholders`` filled in on each call.

    Example::

        resource = RuleTemplate([Rule("/$name/", endpoint="$name.list")])
        url_map = Map([resource(name="user"), resource(name="page")])
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)

    def __call__(self, *args: Any, **kwargs: Any) -> RuleTemplateFactory:
        return RuleTemplateFactory(self.rules, dict(*args, **kwargs))


class RuleTemplateFactory(RuleFactory):
    """The factory a :class:`RuleTemplate` call returns."""

    def __init__(self, rules: Iterable[RuleFactory], context: dict[str, Any]) -> None:
        self.rules = rules
        self.context = context

    def get_rules(self, map: Map) -> Iterator[Rule]:
        def fill(text: str) -> str:
            return Template(text).substitute(self.context)

        for factory in self.rules:
            for rule in factory.get_rules(map):
                kwargs = dict(rule.get_empty_kwargs())
                if rule.defaults:
                    kwargs["defaults"] = {
                        k: fill(v) if isinstance(v, str) else v for k, v in rule.defaults.items()
                    }
                if rule.subdomain is not None:
                    kwargs["subdomain"] = fill(rule.subdomain)
                if isinstance(rule.endpoint, str):
                    kwargs["endpoint"] = fill(rule.endpoint)
                yield type(rule)(fill(rule.rule), **kwargs)


class Rule(RuleFactory):
    """One URL pattern tied to an ``endpoint``.

    - ``defaults``: values passed to the view without being in the URL; a URL
      that equals another rule of the same endpoint with these values redirects
      to this rule's URL.
    - ``methods``: allowed HTTP methods (any when ``None``); ``HEAD`` is added
      when ``GET`` is present.
    - ``strict_slashes`` / ``merge_slashes``: override the map's setting.
    - ``subdomain`` / ``host``: the domain pattern (``host`` with ``host_matching``).
    - ``build_only``: never matched, only used to build URLs.
    - ``redirect_to``: a target with ``<name>`` placeholders, or a callable
      ``(adapter, **values) -> str``; matching the rule raises a redirect.
    - ``alias``: matching redirects to the endpoint's canonical rule.
    - ``websocket``: match only WebSocket requests.
    """

    #: Set by the framework when it answers ``OPTIONS`` itself for this rule;
    #: matching then accepts ``OPTIONS`` even if it is not in ``methods``.
    provide_automatic_options: bool = False

    def __init__(
        self,
        string: str,
        defaults: Mapping[str, Any] | None = None,
        subdomain: str | None = None,
        methods: Iterable[str] | None = None,
        build_only: bool = False,
        endpoint: Any | None = None,
        strict_slashes: bool | None = None,
        merge_slashes: bool | None = None,
        redirect_to: str | Callable[..., str] | None = None,
        alias: bool = False,
        host: str | None = None,
        websocket: bool = False,
    ) -> None:
        if not string.startswith("/"):
            raise ValueError(f"URL rule {string!r} must start with a slash.")
        self.rule = string
        self.is_leaf = not string.endswith("/")
        self.is_branch = string.endswith("/")
        self.map: Map = cast("Map", None)
        self.strict_slashes = strict_slashes
        self.merge_slashes = merge_slashes
        self.subdomain = subdomain
        self.host = host
        self.defaults = defaults
        self.build_only = build_only
        self.alias = alias
        self.websocket = websocket
        if methods is not None:
            if isinstance(methods, str):
                raise TypeError("'methods' should be a list of strings, not a string.")
            methods = {m.upper() for m in methods}
            if "GET" in methods:
                methods.add("HEAD")
            if websocket and methods - {"GET", "HEAD", "OPTIONS"}:
                raise ValueError("WebSocket rules can only use 'GET', 'HEAD' and 'OPTIONS'.")
        self.methods: set[str] | None = methods
        self.endpoint: Any = endpoint
        self.redirect_to = redirect_to
        self.arguments: set[str] = set(map(str, defaults)) if defaults else set()
        self._converters: dict[str, BaseConverter] = {}
        self._parts: list[RulePart] = []
        self._trace: list[tuple[bool, str]] = []
        self._domain_ops: tuple[str | tuple[str, BaseConverter], ...] = ()
        self._path_ops: tuple[str | tuple[str, BaseConverter], ...] = ()
        # The built domain part and path when they need no value (None when
        # they do): URL building skips running the ops.
        self._domain_text: str | None = ""
        self._path_text: str | None = ""
        #: Converters in the order their values are captured while matching.
        self._capture: tuple[tuple[str, BaseConverter], ...] = ()
        #: ``(name, converter, matcher shortcut)`` per captured value.
        self._converts: tuple[tuple[str, BaseConverter, str | None], ...] = ()
        #: ``_accept(rule, texts)``: the values for the view (converters applied,
        #: defaults added), or ``None`` when a converter refuses its text.
        self._accept: Callable[[Rule, list[str]], dict[str, Any] | None] = _accept_generic
        #: Methods accepted while matching (``methods`` plus automatic OPTIONS).
        self._match_methods: frozenset[str] | None = None
        #: ``(domain, path)`` when the rule has no converter, for the static table.
        self._static_key: tuple[str, str] | None = None
        #: Earlier rules of the endpoint whose defaults this rule's URLs redirect to.
        self._default_providers: tuple[Rule, ...] = ()
        # Set by Map.update(): a match of this rule is the rule and empty
        # values, with no redirect to consider (no redirect_to, defaults,
        # alias or rule providing defaults for it).
        self._plain_match = False

    def empty(self) -> Rule:
        """An unbound copy of this rule, to add to another map or to rewrite."""
        rule = type(self)(self.rule, **self.get_empty_kwargs())
        if "provide_automatic_options" in self.__dict__:
            rule.provide_automatic_options = self.provide_automatic_options
        return rule

    def get_empty_kwargs(self) -> Mapping[str, Any]:
        """The keyword arguments :meth:`empty` passes to the copy's constructor."""
        return {
            "defaults": dict(self.defaults) if self.defaults else None,
            "subdomain": self.subdomain,
            "methods": self.methods,
            "build_only": self.build_only,
            "endpoint": self.endpoint,
            "strict_slashes": self.strict_slashes,
            "merge_slashes": self.merge_slashes,
            "redirect_to": self.redirect_to,
            "alias": self.alias,
            "host": self.host,
            "websocket": self.websocket,
        }

    def get_rules(self, map: Map) -> Iterator[Rule]:
        yield self

    def refresh(self) -> None:
        """Recompile after changing the rule in place."""
        self.bind(self.map, rebind=True)

    def bind(self, map: Map, rebind: bool = False) -> None:
        """Attach the rule to ``map``, take the map's defaults, and compile it."""
        if self.map is not None and not rebind:
            raise RuntimeError(f"URL rule {self!r} is already bound to map {self.map!r}")
        self.map = map
        if self.strict_slashes is None:
            self.strict_slashes = map.strict_slashes
        if self.merge_slashes is None:
            self.merge_slashes = map.merge_slashes
        if self.subdomain is None:
            self.subdomain = map.default_subdomain
        self.compile()

    def get_converter(
        self,
        variable_name: str,
        converter_name: str,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> BaseConverter:
        """Instantiate the converter ``converter_name`` of the map for a variable."""
        if converter_name not in self.map.converters:
            raise LookupError(
                f"URL rule {self.rule!r}: the converter {converter_name!r} does not exist"
            )
        return self.map.converters[converter_name](self.map, *args, **kwargs)

    def compile(self) -> None:
        """Parse the rule and domain strings into matcher parts and build steps."""
        if self.map is None:
            raise RuntimeError("the rule is not bound to a map")
        domain = (self.host if self.map.host_matching else self.subdomain) or ""
        path = _SLASHES_RE.sub("/", self.rule) if self.merge_slashes else self.rule
        if self.methods is None:
            self._match_methods = None
        elif self.provide_automatic_options:
            self._match_methods = frozenset(self.methods | {"OPTIONS"})
        else:
            self._match_methods = frozenset(self.methods)
        self._converters = {}
        self._trace = []
        self.arguments = set(map(str, self.defaults)) if self.defaults else set()
        capture: list[tuple[str, BaseConverter]] = []
        domain_tokens = list(parse_rule(domain)) if domain else []
        if any(token[0] == "/" for token in domain_tokens):
            raise ValueError(f"the subdomain or host {domain!r} must not contain '/'")
        domain_parts = self._make_parts(domain_tokens, capture, domain=True)
        self._trace.append((False, "|"))
        path_tokens = list(parse_rule(path))
        path_parts = self._make_parts(path_tokens, capture, domain=False)
        self._parts = domain_parts + path_parts
        self._capture = tuple(capture)
        self._converts = tuple((n, c, matcher_shortcut(c)) for n, c in capture)
        self._accept = _acceptor(self._converts)
        defaults = self.defaults or {}
        self._domain_ops = self._make_ops(domain_tokens, defaults)
        self._path_ops = self._make_ops(path_tokens, defaults)
        self._domain_text = _static_text(self._domain_ops)
        self._path_text = _static_text(self._path_ops)
        if all(part.static for part in self._parts):
            self._static_key = (domain_parts[0].content, path)
        else:
            self._static_key = None

    def _make_parts(
        self,
        tokens: list[Token],
        capture: list[tuple[str, BaseConverter]],
        *,
        domain: bool,
    ) -> list[RulePart]:
        parts: list[RulePart] = []
        pieces: list[tuple[bool, str]] = []  # (is_regex, text)
        widths: list[int] = []  # minimum width of each converter piece, in order
        static_weights: list[tuple[int, int]] = []
        converter_weights: list[int] = []
        groups: list[str] = []
        final = False

        def flush(suffixed: bool = False) -> None:
            weight = (
                -len(static_weights),
                tuple(static_weights),
                -len(converter_weights),
                tuple(converter_weights),
            )
            if not groups:
                text = "".join(text for _, text in pieces)
                parts.append(RulePart(True, text, False, False, weight))
                return
            source = "".join(text if is_regex else re.escape(text) for is_regex, text in pieces)
            if suffixed:
                source += f"(?<!/)(?P<{_SUFFIX_GROUP}>/?)"
            parts.append(
                RulePart(
                    False,
                    source,
                    final,
                    suffixed,
                    weight,
                    tuple(groups),
                    re.compile(source, re.DOTALL),
                    _screen(pieces, widths) if len(groups) > 1 else None,
                )
            )

        for token in tokens:
            kind = token[0]
            if kind == "static":
                static_weights.append((len(static_weights), -len(token[1])))
                pieces.append((False, token[1]))
                self._trace.append((False, token[1]))
            elif kind == "variable":
                name, converter_name, argstr = token[1], token[2], token[3]
                if name in self._converters:
                    raise ValueError(f"URL rule {self.rule!r} uses the variable {name!r} twice")
                args, kwargs = parse_converter_args(argstr)
                converter = self.get_converter(name, converter_name, args, kwargs)
                self._converters[name] = converter
                self.arguments.add(name)
                capture.append((name, converter))
                if not converter.part_isolating and not domain:
                    final = True
                group = f"{_GROUP}{len(groups)}"
                groups.append(group)
                converter_weights.append(converter.weight)
                pieces.append((True, f"(?P<{group}>{converter.regex})"))
                widths.append(0 if re.fullmatch(converter.regex, "", re.DOTALL) else 1)
                self._trace.append((True, name))
            else:
                self._trace.append((False, "/"))
                if final:
                    pieces.append((False, "/"))
                    continue
                flush()
                pieces, static_weights, converter_weights, groups = [], [], [], []
                widths = []
        suffixed = final and bool(pieces) and pieces[-1] == (False, "/")
        if suffixed:
            pieces.pop()
        flush(suffixed)
        if suffixed:
            parts.append(RulePart(True, "", False, False, parts[-1].weight))
        return parts

    def _make_ops(
        self, tokens: list[Token], defaults: Mapping[str, Any]
    ) -> tuple[str | tuple[str, BaseConverter], ...]:
        ops: list[str | tuple[str, BaseConverter]] = []
        for token in tokens:
            if token[0] == "variable":
                name = token[1]
                converter = self._converters[name]
                if name in defaults:
                    # A default for a variable of the URL fixes its text.
                    ops.append(converter.to_url(defaults[name]))
                else:
                    ops.append((name, converter))
            else:
                ops.append(quote(token[1], safe=PATH_SAFE) if token[0] == "static" else "/")
        folded: list[str | tuple[str, BaseConverter]] = []
        for op in ops:
            if isinstance(op, str) and folded and isinstance(folded[-1], str):
                folded[-1] += op
            else:
                folded.append(op)
        return tuple(folded)

    def _try_build(self, values: Mapping[str, Any], append_unknown: bool) -> tuple[str, str]:
        """Like :meth:`build` but lets the converter's :class:`ValidationError` through."""
        domain = self._domain_text
        if domain is None:
            domain = _run_ops(self._domain_ops, values)
        path = self._path_text
        if path is None:
            path = _run_ops(self._path_ops, values)
        if append_unknown and not self.arguments.issuperset(values):
            # PERF: the pairs are listed only when some value is not an
            # argument (a query string follows).
            arguments = self.arguments
            extra = [(k, v) for k, v in values.items() if k not in arguments]
            if extra:
                query = encode_query(extra, self.map.sort_parameters, self.map.sort_key)
                if query:
                    path = f"{path}?{query}"
        return domain, path

    def build(
        self, values: Mapping[str, Any], append_unknown: bool = True
    ) -> tuple[str, str] | None:
        """Build ``(domain part, path with query)`` from ``values``, or ``None``
        if a value is missing or a converter refuses one.

        Values that are not arguments of the rule become the query string when
        ``append_unknown`` is true.
        """
        try:
            return self._try_build(values, append_unknown)
        except (ValidationError, KeyError):
            return None

    def provides_defaults_for(self, rule: Rule) -> bool:
        """Whether this rule's defaults make it the canonical URL of ``rule``."""
        return bool(
            not self.build_only
            and self.defaults
            and self.endpoint == rule.endpoint
            and self != rule
            and self.arguments == rule.arguments
        )

    def suitable_for(self, values: Mapping[str, Any], method: str | None = None) -> bool:
        """Whether ``values`` (and ``method``) are enough to build this rule."""
        if method is not None and self.methods is not None and method not in self.methods:
            return False
        defaults = self.defaults
        if not defaults:
            # PERF: one C-level subset test (url_for of a rule without
            # defaults: 0.35 -> 0.15 µs here).
            return self.arguments.issubset(values)
        for name in self.arguments:
            if name not in defaults and name not in values:
                return False
        for name, value in defaults.items():
            if name in values and values[name] != value:
                return False
        return True

    def build_compare_key(self) -> tuple[int, int, int]:
        """Build order among rules of one endpoint: non-aliases, then more
        arguments, then more defaults first."""
        return (1 if self.alias else 0, -len(self.arguments), -len(self.defaults or ()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self._trace == other._trace

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.rule

    def __repr__(self) -> str:
        if self.map is None:
            return f"<{type(self).__name__} (unbound)>"
        text = "".join(f"<{data}>" if dynamic else data for dynamic, data in self._trace)
        text = text.lstrip("|")
        methods = f" ({', '.join(sorted(self.methods))})" if self.methods is not None else ""
        return f"<{type(self).__name__} {text!r}{methods} -> {self.endpoint}>"


def _acceptor(
    converts: tuple[tuple[str, BaseConverter, str | None], ...],
) -> Callable[[Rule, list[str]], dict[str, Any] | None]:
    """The function the matcher calls with a rule and the texts it captured,
    specialised for the common rules with one string or plain int placeholder.

    Plain module functions (not closures), so rules still copy and pickle.
    """
    # PERF: one call instead of a zip loop calling every converter's
    # to_python (one int: 0.64 -> 0.25 µs).
    if len(converts) == 1:
        if converts[0][2] == "text":
            return _accept_one_text
        if converts[0][2] == "int":
            return _accept_one_int
    return _accept_generic


def _accept_one_text(rule: Rule, values: list[str]) -> dict[str, Any] | None:
    if rule.defaults:
        return {rule._converts[0][0]: values[0], **rule.defaults}
    return {rule._converts[0][0]: values[0]}


def _accept_one_int(rule: Rule, values: list[str]) -> dict[str, Any] | None:
    try:
        value = int(values[0])
    except ValueError:
        # SECURITY: more than 4300 digits: no match (a 404), not a 500.
        return None
    if rule.defaults:
        return {rule._converts[0][0]: value, **rule.defaults}
    return {rule._converts[0][0]: value}


def _accept_generic(rule: Rule, values: list[str]) -> dict[str, Any] | None:
    # COMPAT(werkzeug): a ValidationError skips only this rule, as Werkzeug
    # documents; Werkzeug 2.2+ ends the whole match with a 404 instead.
    result: dict[str, Any] = {}
    shortcut = None
    try:
        # The trie captures exactly one text per placeholder.
        for (name, converter, shortcut), raw in zip(rule._converts, values, strict=False):
            if shortcut == "text":
                result[name] = raw
            elif shortcut == "int":
                result[name] = int(raw)
            else:
                result[name] = converter.to_python(raw)
    except ValidationError:
        return None
    except ValueError:
        if shortcut != "int":
            raise
        return None  # SECURITY: too many digits for int(): a 404, not a 500.
    if rule.defaults:
        result.update(rule.defaults)
    return result


def _screen(
    pieces: list[tuple[bool, str]], widths: list[int]
) -> tuple[str, tuple[tuple[int, str], ...], int, str]:
    """The literal plan of a dynamic part, for :meth:`RulePart.plausible`."""
    items: list[tuple[bool, str, int]] = []  # (is_literal, text, width)
    converters = iter(widths)
    for is_regex, text in pieces:
        if is_regex:
            items.append((False, "", next(converters)))
        elif items and items[-1][0]:
            items[-1] = (True, items[-1][1] + text, 0)
        else:
            items.append((True, text, 0))
    head = items.pop(0)[1] if items and items[0][0] else ""
    tail = items.pop()[1] if items and items[-1][0] else ""
    middle: list[tuple[int, str]] = []
    gap = 0
    for is_literal, text, width in items:
        if is_literal:
            middle.append((gap, text))
            gap = 0
        else:
            gap += width
    return head, tuple(middle), gap, tail


def _static_text(ops: tuple[str | tuple[str, BaseConverter], ...]) -> str | None:
    """What :func:`_run_ops` gives for ``ops`` when no value is needed, else None."""
    if not ops:
        return ""
    if len(ops) == 1 and isinstance(ops[0], str):
        return ops[0]
    return None


def _run_ops(ops: tuple[str | tuple[str, BaseConverter], ...], values: Mapping[str, Any]) -> str:
    # Only for ops that need a value: text-only ones are built once
    # (_static_text, kept on the rule when it is bound).
    out: list[str] = []
    for op in ops:
        if isinstance(op, str):
            out.append(op)
        else:
            out.append(op[1].to_url(values[op[0]]))
    return "".join(out)
