"""The URL map and its per-request adapter.

A :class:`Map` holds the rules; binding it to a host (:meth:`Map.bind`), to
a request (:meth:`Map.bind_to_request`) or to a WSGI environ
(:meth:`Map.bind_to_environ`) gives a :class:`MapAdapter` that
matches paths and builds URLs::

    url_map = Map([Rule("/", endpoint="index"), Rule("/user/<int:id>", endpoint="user")])
    adapter = url_map.bind("example.com")
    adapter.match("/user/7")                    # ("user", {"id": 7})
    adapter.build("user", {"id": 7, "tab": "a"})  # "/user/7?tab=a"
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from pprint import pformat
from typing import Any, ClassVar, Literal, Protocol, overload
from urllib.parse import urljoin

from erlen.http.exceptions import BadHost, HTTPException, MethodNotAllowed
from erlen.http.wsgi import _from_wsgi, get_host

from .builder import clean_build_values, encode_query, quote_path, quote_query_bytes
from .converters import DEFAULT_CONVERTERS, BaseConverter, ValidationError
from .exceptions import (
    BuildError,
    RequestPath,
    RequestRedirect,
)
from .matcher import Matcher
from .rules import PLACEHOLDER_RE, Rule, RuleFactory

__all__ = ["Map", "MapAdapter", "RoutableRequest"]

QueryArgs = Mapping[str, Any] | str | bytes
_DEFAULT_PORTS = {"http": ":80", "ws": ":80", "https": ":443", "wss": ":443"}


class RoutableRequest(Protocol):
    """What :meth:`Map.bind_to_request` reads: an :class:`erlen.http.request.Request`
    fits. A ``headers`` attribute, when present, reveals WebSocket upgrades."""

    @property
    def host(self) -> str: ...
    @property
    def scheme(self) -> str: ...
    @property
    def root_path(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def query_string(self) -> bytes: ...


class _HasEnviron(Protocol):
    """A request object that carries its WSGI environ (as Werkzeug's does)."""

    @property
    def environ(self) -> Mapping[str, Any]: ...


def _normalize_host(name: str) -> str:
    """Lower-case a ``host[:port]`` and IDNA-encode a non-ASCII host name."""
    name = name.lower()
    if name.isascii() or name.startswith("["):
        return name
    host, sep, port = name.partition(":")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadHost(f"The host name {name!r} is not valid.") from None
    return f"{host}{sep}{port}"


def _strip_default_port(host: str, scheme: str) -> str:
    port = _DEFAULT_PORTS.get(scheme)
    if port is not None and host.endswith(port):
        return host[: -len(port)]
    return host


def _is_websocket_request(request: RoutableRequest) -> bool:
    headers = getattr(request, "headers", None)
    if headers is None:
        return False
    return _upgrades_to_websocket(headers.get("Upgrade"), headers.get("Connection"))


def _upgrades_to_websocket(upgrade: object, connection: object) -> bool:
    """Whether ``Upgrade`` and ``Connection`` header values ask for a WebSocket."""
    if not upgrade or str(upgrade).strip().lower() != "websocket":
        return False
    tokens = str(connection or "").lower()
    return any(token.strip() == "upgrade" for token in tokens.split(","))


class Map:
    """The collection of rules of an application, plus the routing settings.

    - ``default_subdomain``: the subdomain of rules that do not name one.
    - ``strict_slashes``: a URL missing the trailing slash of a rule redirects.
    - ``merge_slashes``: ``//a///b`` redirects to ``/a/b``.
    - ``redirect_defaults``: a URL equal to another rule's defaults redirects to it.
    - ``converters``: extra converters by name (``url_map.converters`` can be
      added to later, before adding rules that use them).
    - ``sort_parameters`` / ``sort_key``: order the query string of built URLs.
    - ``host_matching``: rules match the whole host (``Rule(host=...)``)
      instead of the subdomain.
    """

    #: The converters every map starts with.
    default_converters: ClassVar[Mapping[str, type[BaseConverter]]] = DEFAULT_CONVERTERS
    #: The lock guarding the lazy re-sort after rules are added.
    lock_class = threading.Lock

    def __init__(
        self,
        rules: Iterable[RuleFactory] | None = None,
        default_subdomain: str = "",
        strict_slashes: bool = True,
        merge_slashes: bool = True,
        redirect_defaults: bool = True,
        converters: Mapping[str, type[BaseConverter]] | None = None,
        sort_parameters: bool = False,
        sort_key: Callable[[Any], Any] | None = None,
        host_matching: bool = False,
    ) -> None:
        self._matcher = Matcher(merge_slashes)
        self._rules_by_endpoint: dict[Any, list[Rule]] = {}
        self._remap = True
        self._remap_lock = self.lock_class()
        self._bound: dict[tuple[Any, ...], tuple[str, str, str, str | None, str, bool]] = {}
        self.default_subdomain = default_subdomain
        self.strict_slashes = strict_slashes
        self.redirect_defaults = redirect_defaults
        self.host_matching = host_matching
        self.converters: dict[str, type[BaseConverter]] = dict(self.default_converters)
        if converters:
            self.converters.update(converters)
        self.sort_parameters = sort_parameters
        self.sort_key = sort_key
        for factory in rules or ():
            self.add(factory)

    @property
    def merge_slashes(self) -> bool:
        """Whether repeated slashes in a URL redirect to the merged URL."""
        return self._matcher.merge_slashes

    @merge_slashes.setter
    def merge_slashes(self, value: bool) -> None:
        self._matcher.merge_slashes = value

    @property
    def _rules(self) -> list[Rule]:
        return [rule for rules in self._rules_by_endpoint.values() for rule in rules]

    def is_endpoint_expecting(self, endpoint: Any, *arguments: str) -> bool:
        """Whether some rule of ``endpoint`` takes all of ``arguments``."""
        self.update()
        wanted = set(arguments)
        return any(wanted <= rule.arguments for rule in self._rules_by_endpoint[endpoint])

    def iter_rules(self, endpoint: Any | None = None) -> Iterator[Rule]:
        """All rules, or the rules of one endpoint in build order."""
        self.update()
        if endpoint is not None:
            return iter(self._rules_by_endpoint[endpoint])
        return iter(self._rules)

    def add(self, rulefactory: RuleFactory) -> None:
        """Add a rule (or every rule of a factory) to the map."""
        for rule in rulefactory.get_rules(self):
            rule.bind(self)
            if not rule.build_only:
                self._matcher.add(rule)
            self._rules_by_endpoint.setdefault(rule.endpoint, []).append(rule)
        self._remap = True

    def update(self) -> None:
        """Re-sort after rules were added; called by matching and building."""
        if not self._remap:
            return
        with self._remap_lock:
            if not self._remap:
                return
            self._matcher.update()
            for rules in self._rules_by_endpoint.values():
                rules.sort(key=lambda rule: rule.build_compare_key())
                for i, rule in enumerate(rules):
                    rule._default_providers = tuple(
                        other for other in rules[:i] if other.provides_defaults_for(rule)
                    )
                    rule._plain_match = (
                        rule.redirect_to is None
                        and not rule.defaults
                        and not rule.alias
                        and not rule._default_providers
                    )
            self._remap = False

    def bind(
        self,
        server_name: str,
        script_name: str | None = None,
        subdomain: str | None = None,
        url_scheme: str = "http",
        default_method: str = "GET",
        path_info: str | None = None,
        query_args: QueryArgs | None = None,
    ) -> MapAdapter:
        """An adapter for requests to ``server_name`` (``host[:port]``).

        ``script_name`` is the decoded mount point of the application;
        ``subdomain`` defaults to the map's ``default_subdomain`` and must be
        left out with ``host_matching``.
        """
        if self.host_matching:
            if subdomain is not None:
                raise RuntimeError("host matching is enabled and a subdomain was given")
        elif subdomain is None:
            subdomain = self.default_subdomain
        return MapAdapter(
            self,
            _normalize_host(server_name),
            script_name or "/",
            subdomain,
            url_scheme,
            path_info or "/",
            default_method,
            query_args,
        )

    def bind_to_environ(
        self,
        environ: Mapping[str, Any] | _HasEnviron,
        server_name: str | None = None,
        subdomain: str | None = None,
    ) -> MapAdapter:
        """An adapter for the request a WSGI ``environ`` describes (or a
        request object's ``environ``): like :meth:`bind_to_request`, from the
        environ's host, scheme, ``SCRIPT_NAME``, ``PATH_INFO``, method and
        query string.

        With ``server_name`` given and neither ``subdomain`` nor host matching,
        the subdomain is what the host has in front of ``server_name``; a host
        outside it gets the subdomain ``"<invalid>"`` (nothing matches) and a
        :class:`UserWarning`. A malformed host is a
        :class:`~erlen.http.exceptions.SecurityError` (400).
        """
        env: Mapping[str, Any] = environ if isinstance(environ, Mapping) else environ.environ
        scheme = str(env.get("wsgi.url_scheme") or "http")
        host = get_host(env)
        websocket = scheme in ("http", "https") and _upgrades_to_websocket(
            env.get("HTTP_UPGRADE"), env.get("HTTP_CONNECTION")
        )
        root_path = _from_wsgi(str(env.get("SCRIPT_NAME") or ""))
        # The subdomain rule, port stripping and host normalisation are
        # bind_to_request's, so both bindings agree on the same request.
        bound_server, script_name, _, bound_subdomain, url_scheme, _ = self._bind_state(
            host, scheme, websocket, root_path, server_name, subdomain
        )
        if subdomain is None and not self.host_matching and bound_subdomain == "<invalid>":
            # COMPAT(werkzeug): it warns here. The text leaves out the client's
            # host so clients cannot add one registry entry per host name.
            warnings.warn(
                f"The request's host does not match the configured server name"
                f" {server_name!r}; no rule will match it.",
                stacklevel=2,
            )
        path_info = _from_wsgi(str(env["PATH_INFO"])) if "PATH_INFO" in env else None
        query = env.get("QUERY_STRING")
        if query is not None and not str(query).isascii():
            # SECURITY: raw bytes, so a redirect re-quotes them instead of
            # putting non-ASCII text into its Location header.
            try:
                query = str(query).encode("latin-1")
            except UnicodeEncodeError:
                query = str(query).encode("utf-8")  # a server that decoded it
        adapter = self.bind(
            bound_server,
            script_name,
            bound_subdomain,
            url_scheme,
            str(env.get("REQUEST_METHOD") or "GET"),
            path_info,
            query,
        )
        if path_info == "":
            # COMPAT(werkzeug): bind() reads "" as "/"; kept empty, the bare
            # mount point redirects to the one with a slash, as in Werkzeug.
            adapter.path_info = ""
        return adapter

    def bind_to_request(
        self,
        request: RoutableRequest,
        server_name: str | None = None,
        subdomain: str | None = None,
    ) -> MapAdapter:
        """An adapter for one request: its host, scheme, mount point, path,
        method and query string.

        With ``server_name`` given (the ``SERVER_NAME`` setting) the subdomain
        is what the request's host has in front of it; a host outside it gets
        the subdomain ``"<invalid>"``, so nothing matches and the request is a
        404. ``request.path`` is already percent-decoded: ``%2F`` arrives as
        ``/`` and is a segment separator for matching.
        """
        bound = self._bound_for(request, server_name, subdomain)
        adapter = MapAdapter.__new__(MapAdapter)
        adapter.map = self
        (
            adapter.server_name,
            adapter.script_name,
            adapter._script_url,
            adapter.subdomain,
            adapter.url_scheme,
            adapter.websocket,
        ) = bound
        adapter.path_info = request.path
        adapter.default_method = request.method
        adapter.query_args = request.query_string
        return adapter

    def match_request(
        self,
        request: RoutableRequest,
        server_name: str | None = None,
        subdomain: str | None = None,
    ) -> tuple[Rule, dict[str, Any]]:
        """Match ``request``: what ``bind_to_request(request, server_name,
        subdomain).match(return_rule=True)`` returns or raises.

        PERF: the common outcome (a rule and its values) needs no adapter
        object; the rare ones (a redirect to a canonical URL, an alias, a
        ``redirect_to`` rule) are handed to one.
        """
        if self._remap:
            self.update()
        if subdomain is not None and not self.host_matching:
            # PERF: a given subdomain without host matching (every app that
            # does not match subdomains) makes the host irrelevant to the
            # match: no bound state to look up (hello world: 1.4 -> 0.6 µs).
            domain = subdomain
            # SECURITY: the Host header is validated where it is used
            # (request.host, url_for(_external=True), redirects raise a 400
            # for a malformed one), not here, as Flask does.
            scheme = request.scheme
            if scheme == "http" or scheme == "https":
                headers = getattr(request, "headers", None)
                websocket = False
                if headers is not None and headers.get("Upgrade"):
                    websocket = _is_websocket_request(request)
            else:
                websocket = scheme == "ws" or scheme == "wss"
        else:
            server, _, _, sub, _, websocket = self._bound_for(request, server_name, subdomain)
            domain = server if self.host_matching or sub is None else sub
        path_info = request.path
        # PERF: index tests, not slices ("/" is the usual whole path).
        if path_info and path_info[0] == "/" and (len(path_info) == 1 or path_info[1] != "/"):
            path = path_info
        else:
            path = f"/{path_info.lstrip('/')}" if path_info else ""
        method = request.method.upper()
        matcher = self._matcher
        rule = None
        # PERF: the dict lookup Matcher.match starts with, here, so a rule
        # without converters is found without entering it (0.1 µs a request).
        candidates = matcher._static.get((domain, path))
        if candidates is not None:
            for candidate in candidates:
                methods = candidate._match_methods
                if (methods is None or method in methods) and candidate.websocket == websocket:
                    if candidate._plain_match:
                        # PERF: nothing below applies to it.
                        return candidate, {}
                    rule = candidate
                    values = dict(rule.defaults) if rule.defaults else {}
                    break
        if rule is None:
            try:
                # The static table was looked up above: straight to the trie.
                rule, values = matcher.match_dynamic(domain, path, method, websocket)
            except RequestPath:
                rule = None
        if (
            rule is None
            or rule.redirect_to is not None
            or (self.redirect_defaults and (rule.alias or rule._default_providers))
        ):
            return self.bind_to_request(request, server_name, subdomain).match(return_rule=True)
        return rule, values

    def _bound_for(
        self,
        request: RoutableRequest,
        server_name: str | None,
        subdomain: str | None,
    ) -> tuple[str, str, str, str | None, str, bool]:
        """The request-independent fields of an adapter for ``request``, cached
        by host, scheme, mount point and the binding arguments."""
        scheme = request.scheme
        host = request.host
        websocket = False
        if scheme == "http" or scheme == "https":
            # PERF: most requests have no Upgrade header; one lookup settles it
            # (bind_to_request 0.58 -> 0.55 µs).
            headers = getattr(request, "headers", None)
            if headers is not None and headers.get("Upgrade"):
                websocket = _is_websocket_request(request)
        root_path = request.root_path
        key = (host, scheme, websocket, root_path, server_name, subdomain, self.host_matching)
        # PERF: everything but the path, method and query depends only on the
        # key, which repeats from request to request; bind_to_request went
        # from 1.0 to 0.6 µs.
        bound = self._bound.get(key)
        if bound is None:
            bound = self._bind_state(host, scheme, websocket, root_path, server_name, subdomain)
            # SECURITY: the host comes from the client; keep the cache bounded.
            if len(self._bound) < 256:
                self._bound[key] = bound
        return bound

    def _bind_state(
        self,
        host: str,
        scheme: str,
        websocket: bool,
        root_path: str,
        server_name: str | None,
        subdomain: str | None,
    ) -> tuple[str, str, str, str | None, str, bool]:
        """The host-dependent fields of an adapter for :meth:`bind_to_request`."""
        if websocket:
            scheme = "wss" if scheme == "https" else "ws"
        host = _strip_default_port(_normalize_host(host), scheme)
        if server_name is None:
            server_name = host
        else:
            server_name = _strip_default_port(_normalize_host(server_name), scheme)
        if subdomain is None and not self.host_matching:
            request_labels = host.split(".")
            server_labels = server_name.split(".")
            offset = -len(server_labels)
            if request_labels[offset:] != server_labels:
                # COMPAT(werkzeug): an unknown host is a 404, not an error; no
                # warning either, since the host comes from the client.
                subdomain = "<invalid>"
            else:
                subdomain = ".".join(label for label in request_labels[:offset] if label)
        script_name = root_path or "/"
        if not script_name.endswith("/"):
            script_name += "/"
        websocket = scheme in ("ws", "wss")
        return (server_name, script_name, quote_path(script_name), subdomain, scheme, websocket)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({pformat(list(self.iter_rules()))})"


def _plain_values(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``values`` itself when it is a plain dict without a None value (what
    clean_build_values would copy unchanged), else None.

    PERF: url_for's keyword dict is used as it is; building only reads it
    (0.3 µs less per URL).
    """
    if type(values) is not dict:
        return None
    for value in values.values():
        if value is None:
            return None
    return values


class MapAdapter:
    """A map bound to one host (and usually one request): matches and builds URLs."""

    __slots__ = (
        "_script_url",
        "default_method",
        "map",
        "path_info",
        "query_args",
        "script_name",
        "server_name",
        "subdomain",
        "url_scheme",
        "websocket",
    )

    def __init__(
        self,
        map: Map,
        server_name: str,
        script_name: str,
        subdomain: str | None,
        url_scheme: str,
        path_info: str,
        default_method: str,
        query_args: QueryArgs | None = None,
    ) -> None:
        self.map = map
        self.server_name = server_name
        if not script_name.endswith("/"):
            script_name += "/"
        self.script_name = script_name
        self.subdomain = subdomain
        self.url_scheme = url_scheme
        self.path_info = path_info
        self.default_method = default_method
        self.query_args = query_args
        self.websocket = url_scheme in ("ws", "wss")
        self._script_url: str | None = None

    @property
    def script_url(self) -> str:
        """``script_name`` percent-encoded, always ending with ``/``."""
        # PERF: only URL building and redirects need it; most requests do neither.
        if self._script_url is None:
            self._script_url = quote_path(self.script_name)
        return self._script_url

    def dispatch(
        self,
        view_func: Callable[[Any, Mapping[str, Any]], Any],
        path_info: str | None = None,
        method: str | None = None,
        catch_http_exceptions: bool = False,
    ) -> Any:
        """Match, then call ``view_func(endpoint, values)``; a redirect is returned."""
        try:
            try:
                endpoint, values = self.match(path_info, method)
            except RequestRedirect as e:
                return e
            return view_func(endpoint, values)
        except HTTPException as e:
            if catch_http_exceptions:
                return e
            raise

    @overload
    def match(
        self,
        path_info: str | None = None,
        method: str | None = None,
        return_rule: Literal[False] = False,
        query_args: QueryArgs | None = None,
        websocket: bool | None = None,
    ) -> tuple[Any, dict[str, Any]]: ...

    @overload
    def match(
        self,
        path_info: str | None = None,
        method: str | None = None,
        *,
        return_rule: Literal[True],
        query_args: QueryArgs | None = None,
        websocket: bool | None = None,
    ) -> tuple[Rule, dict[str, Any]]: ...

    @overload
    def match(
        self,
        path_info: str | None,
        method: str | None,
        return_rule: Literal[True],
        query_args: QueryArgs | None = None,
        websocket: bool | None = None,
    ) -> tuple[Rule, dict[str, Any]]: ...

    def match(
        self,
        path_info: str | None = None,
        method: str | None = None,
        return_rule: bool = False,
        query_args: QueryArgs | None = None,
        websocket: bool | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """Find the rule for a path and method.

        Returns ``(endpoint, values)``, or ``(rule, values)`` with
        ``return_rule``. ``path_info`` is the *decoded* path below the mount
        point (default: the bound request's); ``%2F`` must already be ``/``.

        Raises :class:`NotFound` (404), :class:`MethodNotAllowed` (405, with
        the methods the path accepts), :class:`RequestRedirect` (308) when the
        URL has a canonical form, and :class:`WebsocketMismatch` (400).
        """
        url_map = self.map
        if url_map._remap:
            url_map.update()
        if path_info is None:
            path_info = self.path_info
        if query_args is None:
            query_args = self.query_args
        method = (method or self.default_method).upper()
        if websocket is None:
            websocket = self.websocket
        if url_map.host_matching or self.subdomain is None:
            domain = self.server_name
        else:
            domain = self.subdomain
        path = f"/{path_info.lstrip('/')}" if path_info else ""
        # The matcher raises NotFound, MethodNotAllowed and WebsocketMismatch itself.
        try:
            rule, values = url_map._matcher.match(domain, path, method, websocket)
        except RequestPath as e:
            raise RequestRedirect(
                self.make_redirect_url(quote_path(e.path_info), query_args)
            ) from None

        if url_map.redirect_defaults:
            if rule.alias:
                raise RequestRedirect(
                    self.make_alias_redirect_url(
                        f"{domain}|{path}", rule.endpoint, values, method, query_args
                    )
                )
            if rule._default_providers:
                target = self.get_default_redirect(rule, method, values, query_args)
                if target is not None:
                    raise RequestRedirect(target)
        if rule.redirect_to is not None:
            raise RequestRedirect(self._redirect_to_url(rule, values))
        if return_rule:
            return rule, values
        return rule.endpoint, values

    def _redirect_to_url(self, rule: Rule, values: Mapping[str, Any]) -> str:
        target = rule.redirect_to
        if isinstance(target, str):

            def fill(found: Any) -> str:
                name = found.group(1)
                return rule._converters[name].to_url(values[name])

            location = PLACEHOLDER_RE.sub(fill, target)
        else:
            assert target is not None
            location = target(self, **values)
        if self.subdomain:
            netloc = f"{self.subdomain}.{self.server_name}"
        else:
            netloc = self.server_name
        return urljoin(f"{self.url_scheme or 'http'}://{netloc}{self.script_url}", location)

    def test(self, path_info: str | None = None, method: str | None = None) -> bool:
        """Whether the path matches (a redirect counts as a match)."""
        try:
            self.match(path_info, method)
        except RequestRedirect:
            pass
        except HTTPException:
            return False
        return True

    def allowed_methods(self, path_info: str | None = None) -> list[str]:
        """The methods the path accepts (for an ``OPTIONS`` answer's ``Allow``)."""
        try:
            self.match(path_info, method="--")
        except MethodNotAllowed as e:
            return list(e.valid_methods or ())
        except HTTPException:
            pass
        return []

    def get_host(self, domain_part: str | None) -> str:
        """The host for a built URL whose domain part is ``domain_part``."""
        if self.map.host_matching:
            return self.server_name if domain_part is None else domain_part
        subdomain = self.subdomain if domain_part is None else domain_part
        if subdomain:
            return f"{subdomain}.{self.server_name}"
        return self.server_name

    def get_default_redirect(
        self,
        rule: Rule,
        method: str,
        values: dict[str, Any],
        query_args: QueryArgs | None,
    ) -> str | None:
        """The URL of an earlier rule whose defaults equal ``values``, if any."""
        for other in rule._default_providers:
            if other.suitable_for(values, method):
                values.update(other.defaults or {})
                built = other.build(values)
                if built is None:
                    continue
                domain_part, path = built
                return self.make_redirect_url(path, query_args, domain_part=domain_part)
        return None

    def encode_query_args(self, query_args: QueryArgs) -> str:
        """Query arguments as query-string text (raw bytes are re-quoted safely)."""
        if isinstance(query_args, bytes):
            return quote_query_bytes(query_args)
        if isinstance(query_args, str):
            return query_args
        return encode_query(query_args)

    def make_redirect_url(
        self,
        path_info: str,
        query_args: QueryArgs | None = None,
        domain_part: str | None = None,
    ) -> str:
        """An absolute URL for the already percent-encoded ``path_info``."""
        if query_args is None:
            query_args = self.query_args
        query = self.encode_query_args(query_args) if query_args else ""
        url = f"{self.url_scheme or 'http'}://{self.get_host(domain_part)}"
        url += f"{self.script_url.rstrip('/')}/{path_info.lstrip('/')}"
        return f"{url}?{query}" if query else url

    def make_alias_redirect_url(
        self,
        path: str,
        endpoint: Any,
        values: Mapping[str, Any],
        method: str,
        query_args: QueryArgs | None,
    ) -> str:
        """The canonical URL an alias rule redirects to."""
        url = self.build(endpoint, values, method, append_unknown=False, force_external=True)
        if query_args:
            url += f"?{self.encode_query_args(query_args)}"
        if url == path:
            raise RuntimeError(f"alias rule of {endpoint!r} has no canonical rule to redirect to")
        return url

    def _partial_build(
        self,
        endpoint: Any,
        values: Mapping[str, Any],
        method: str | None,
        append_unknown: bool,
        refusals: list[str] | None = None,
    ) -> tuple[str, str, bool] | None:
        rules = self.map._rules_by_endpoint.get(endpoint, ())
        host_matching = self.map.host_matching
        # Without a method, the default method first: a GET rule wins over a
        # POST one; then any method.
        for wanted in (method,) if method is not None else (self.default_method, None):
            first: tuple[str, str, bool] | None = None
            for rule in rules:
                if not rule.suitable_for(values, wanted):
                    continue
                try:
                    domain_part, path = rule._try_build(values, append_unknown)
                except ValidationError as e:
                    if refusals is not None:
                        refusals.append(f"A converter of {rule.rule!r} refused a value: {e}")
                    continue
                built = (domain_part, path, rule.websocket)
                if not host_matching or domain_part == self.server_name:
                    return built
                if first is None:
                    first = built
            if first is not None:
                return first
        return None

    def build(
        self,
        endpoint: Any,
        values: Mapping[str, Any] | None = None,
        method: str | None = None,
        force_external: bool = False,
        append_unknown: bool = True,
        url_scheme: str | None = None,
    ) -> str:
        """Build the URL of ``endpoint`` from ``values``.

        Values that are not arguments of the chosen rule go to the query string
        (a multi-value dict or a list repeats the key; ``None`` is skipped).
        Among the endpoint's rules the one for ``method`` (default: the bound
        method) whose defaults agree with ``values`` is chosen. The URL is
        relative to the host unless ``force_external``, another (sub)domain or
        a WebSocket rule asks for an absolute one. Raises :class:`BuildError`.
        """
        url_map = self.map
        if url_map._remap:
            url_map.update()
        cleaned = _plain_values(values)
        if cleaned is None:
            cleaned = clean_build_values(values)
        refusals: list[str] = []
        found = self._partial_build(endpoint, cleaned, method, append_unknown, refusals)
        if found is None:
            error = BuildError(endpoint, dict(cleaned), method, self)
            if refusals:
                error.reason = refusals[-1]
            raise error
        domain_part, path, websocket = found
        if url_map.host_matching:
            host: str | None = self.get_host(domain_part)
            same_host = host == self.server_name
        else:
            # PERF: the host is only needed for an external URL.
            host = None
            same_host = domain_part == self.subdomain
        if url_scheme is None:
            url_scheme = self.url_scheme
        secure = url_scheme in ("https", "wss")
        if websocket:
            force_external = True
            url_scheme = "wss" if secure else "ws"
        elif url_scheme:
            url_scheme = "https" if secure else "http"
        # SECURITY: the path always starts with exactly one slash after the
        # script name, so a value such as "/evil.com" can never turn a relative
        # URL into the protocol-relative "//evil.com".
        local = f"{self.script_url.rstrip('/')}/{path.lstrip('/')}"
        if not force_external and same_host:
            return local
        if host is None:
            host = self.get_host(domain_part)
        scheme = f"{url_scheme}:" if url_scheme else ""
        return f"{scheme}//{host}{local}"
