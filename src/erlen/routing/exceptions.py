"""Exceptions raised by URL matching and building."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from erlen.http.exceptions import BadRequest, HTTPException
from erlen.http.response import Response, redirect_page

if TYPE_CHECKING:
    from erlen.http.request import Request

    from .map import MapAdapter
    from .rules import Rule

__all__ = [
    "BuildError",
    "NoMatch",
    "RequestAliasRedirect",
    "RequestPath",
    "RequestRedirect",
    "RoutingException",
    "WebsocketMismatch",
]


class RoutingException(Exception):
    """Base class of the exceptions the router raises to steer the request."""


class RequestRedirect(HTTPException, RoutingException):
    """308: the URL has a canonical form elsewhere; ``new_url`` is the absolute target.

    Raised by matching for a missing trailing slash, repeated slashes, a URL
    equal to another rule's defaults, an alias, or a rule's ``redirect_to``.
    Its response is the same "Redirecting..." page ``redirect()`` sends, with
    ``Location``; 308 keeps the method and the body.
    """

    code = 308

    def __init__(self, new_url: str) -> None:
        super().__init__(new_url)
        self.new_url = new_url

    def get_body(self, request: Request | None = None) -> str:
        """The "Redirecting..." HTML page linking to ``new_url``."""
        # COMPAT(flask): Werkzeug answers with its redirect() page (no closing
        # </p>, markupsafe's &#34; and &#39;), not the generic error page.
        return redirect_page(self.new_url)

    def get_headers(self, request: Request | None = None) -> list[tuple[str, str]]:
        """``Content-Type`` and ``Location``."""
        headers = super().get_headers(request)
        headers.append(("Location", self.new_url))
        return headers

    def get_response(self, request: Request | None = None) -> Response:
        """The 308 response: the redirect page, then ``Location`` (Werkzeug's header order)."""
        if self.response is not None:
            return self.response
        response = Response(self.get_body(request), self.code, mimetype="text/html")
        response.headers["Location"] = self.new_url
        return response


class RequestPath(RoutingException):
    """Internal: the path matches once rewritten to ``path_info``; redirect there."""

    __slots__ = ("path_info",)

    def __init__(self, path_info: str) -> None:
        super().__init__(path_info)
        self.path_info = path_info


class RequestAliasRedirect(RoutingException):
    """Internal: an ``alias`` rule matched; redirect to the endpoint's canonical URL."""

    def __init__(self, matched_values: Mapping[str, Any], endpoint: Any) -> None:
        super().__init__(endpoint)
        self.matched_values = matched_values
        self.endpoint = endpoint


class WebsocketMismatch(BadRequest):
    """400: the URL exists only for WebSocket requests, or only for plain HTTP ones."""

    description = (
        "The URL matches a route for the other kind of request: WebSocket where plain"
        " HTTP was sent, or plain HTTP where a WebSocket handshake was sent."
    )


class NoMatch(RoutingException):
    """Internal: nothing matched; says which methods would have, if any."""

    __slots__ = ("have_match_for", "websocket_mismatch")

    def __init__(self, have_match_for: set[str], websocket_mismatch: bool) -> None:
        super().__init__()
        self.have_match_for = have_match_for
        self.websocket_mismatch = websocket_mismatch


class BuildError(RoutingException, LookupError):
    """No rule of ``endpoint`` can build a URL from ``values`` (and ``method``).

    ``str(error)`` says what is wrong: the missing values, a value a converter
    refused, a method the endpoint does not accept, or the endpoints whose name
    is close to a mistyped one.
    """

    def __init__(
        self,
        endpoint: Any,
        values: Mapping[str, Any],
        method: str | None,
        adapter: MapAdapter | None = None,
    ) -> None:
        super().__init__(endpoint, values, method)
        self.endpoint = endpoint
        self.values = values
        self.method = method
        self.adapter = adapter
        #: Why a converter refused a value, when that is what stopped the build.
        self.reason: str | None = None

    @cached_property
    def suggested(self) -> Rule | None:
        """The rule the caller most likely meant, or ``None``."""
        return self.closest_rule(self.adapter)

    def closest_rule(self, adapter: MapAdapter | None) -> Rule | None:
        """The rule of the same endpoint needing the fewest extra values, else the
        rule whose endpoint name is the most similar."""
        if adapter is None:
            return None
        by_endpoint = adapter.map._rules_by_endpoint
        same = by_endpoint.get(self.endpoint)
        given = set(self.values or ())

        def method_ok(rule: Rule) -> bool:
            return self.method is None or rule.methods is None or self.method in rule.methods

        if same:

            def fit(rule: Rule) -> tuple[bool, int]:
                missing = rule.arguments - given - set(rule.defaults or ())
                return (method_ok(rule), -len(missing))

            return max(same, key=fit)
        # Another endpoint: the most similar name; among its rules (or equally
        # similar ones) the one that takes the request's method and the most
        # of the given values.
        wanted = str(self.endpoint)
        best: Rule | None = None
        best_score: tuple[float, bool, int] = (0.0, False, 0)
        for endpoint, rules in by_endpoint.items():
            if not rules:
                continue
            ratio = difflib.SequenceMatcher(None, str(endpoint), wanted).ratio()
            if ratio < best_score[0]:
                continue
            for rule in rules:
                score = (ratio, method_ok(rule), len(rule.arguments & given))
                if score > best_score:
                    best, best_score = rule, score
        return best

    def _close_endpoints(self) -> list[str]:
        if self.adapter is None:
            return []
        names = [str(e) for e in self.adapter.map._rules_by_endpoint]
        return difflib.get_close_matches(str(self.endpoint), names, n=3, cutoff=0.6)

    def __str__(self) -> str:
        parts = [f"Could not build url for endpoint {self.endpoint!r}"]
        if self.method:
            parts.append(f" ({self.method!r})")
        if self.values:
            parts.append(f" with values {sorted(self.values)!r}")
        parts.append(".")
        if self.reason:
            parts.append(f" {self.reason}.")
        if self.adapter is None:
            return "".join(parts)
        rule = self.suggested
        if rule is not None and rule.endpoint == self.endpoint:
            if self.method and rule.methods is not None and self.method not in rule.methods:
                parts.append(f" Did you mean to use methods {sorted(rule.methods)!r}?")
            defaults = rule.defaults or {}
            missing = rule.arguments - set(defaults) - set(self.values)
            if missing:
                parts.append(f" Did you forget to specify values {sorted(missing)!r}?")
            clashing = [k for k, v in defaults.items() if k in self.values and self.values[k] != v]
            if clashing:
                expected = {k: defaults[k] for k in sorted(clashing)}
                parts.append(
                    f" Values {sorted(clashing)!r} differ from the rule's defaults {expected!r}."
                )
            return "".join(parts)
        close = self._close_endpoints()
        if len(close) > 1:
            parts.append(f" Did you mean one of {', '.join(repr(c) for c in close)}?")
        elif close:
            parts.append(f" Did you mean {close[0]!r} instead?")
        else:
            parts.append(f" The endpoint {self.endpoint!r} is not in the URL map.")
        return "".join(parts)
