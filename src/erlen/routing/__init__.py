"""URL routing: rules, converters, matching and URL building.

The API is Werkzeug's ``werkzeug.routing``::

    from erlen.routing import Map, Rule

    url_map = Map([
        Rule("/", endpoint="index"),
        Rule("/post/<int:post_id>", endpoint="post", methods=["GET", "POST"]),
        Rule("/files/<path:name>", endpoint="files"),
    ])
    adapter = url_map.bind("example.com")
    adapter.match("/post/3")              # ("post", {"post_id": 3})
    adapter.build("files", {"name": "a/b c"})  # "/files/a/b%20c"

Paths given to ``match`` are already percent-decoded (``%2F`` is ``/``).
"""

from __future__ import annotations

from .converters import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    NumberConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)
from .exceptions import (
    BuildError,
    NoMatch,
    RequestAliasRedirect,
    RequestPath,
    RequestRedirect,
    RoutingException,
    WebsocketMismatch,
)
from .map import Map, MapAdapter
from .rules import (
    EndpointPrefix,
    Rule,
    RuleFactory,
    RuleTemplate,
    RuleTemplateFactory,
    Subdomain,
    Submount,
    parse_converter_args,
)

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "EndpointPrefix",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "NoMatch",
    "NumberConverter",
    "PathConverter",
    "RequestAliasRedirect",
    "RequestPath",
    "RequestRedirect",
    "RoutingException",
    "Rule",
    "RuleFactory",
    "RuleTemplate",
    "RuleTemplateFactory",
    "Subdomain",
    "Submount",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
    "WebsocketMismatch",
    "parse_converter_args",
]
