"""Map.bind_to_environ: an adapter from a WSGI environ, as Werkzeug's is built
(host, scheme, mount point, path, method, query string and the subdomain).

Each environ also goes through Werkzeug's Map when it is installed: the
adapters' fields, what they match and the warnings must agree."""

from __future__ import annotations

import io
import warnings
from typing import Any

import pytest

from erlen.http.exceptions import BadRequest, SecurityError
from erlen.http.request import Request
from erlen.routing import Map, MapAdapter, RequestRedirect, Rule

FIELDS = (
    "server_name",
    "script_name",
    "subdomain",
    "url_scheme",
    "path_info",
    "default_method",
    "query_args",
    "websocket",
)


def environ(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "example.org",
        "SERVER_PORT": "80",
    }
    base.update(values)
    return base


def rules(rule: type[Any]) -> list[Any]:
    return [
        rule("/", endpoint="index"),
        rule("/ü/<name>", endpoint="umlaut", methods=["GET", "POST"]),
        rule("/s", endpoint="on_sub", subdomain="sub"),
        rule("/ws", endpoint="socket", websocket=True),
    ]


def fields(adapter: Any) -> dict[str, Any]:
    return {name: getattr(adapter, name) for name in FIELDS}


def outcome(adapter: Any) -> Any:
    try:
        return adapter.match()
    except Exception as error:
        return type(error).__name__, getattr(error, "new_url", None)


def bind(url_map: Any, env: dict[str, Any], **kwargs: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        adapter = url_map.bind_to_environ(env, **kwargs)
    return adapter, [type(w.message).__name__ for w in caught]


CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        environ(
            REQUEST_METHOD="POST",
            SCRIPT_NAME="/app/",
            PATH_INFO="/\xc3\xbc/a",  # "/ü/a" as a WSGI (latin-1) string
            QUERY_STRING="a=1&b=%20",
        ),
        {},
    ),
    (
        environ(HTTP_HOST="Sub.Example.org:8080", PATH_INFO="/s"),
        {"server_name": "example.org:8080"},
    ),
    (environ(HTTP_HOST="sub.example.org", PATH_INFO="/s"), {"server_name": "EXAMPLE.org"}),
    (environ(HTTP_HOST="a.b.example.org", PATH_INFO="/"), {"server_name": "example.org"}),
    (environ(HTTP_HOST="other.com", PATH_INFO="/s"), {"server_name": "example.org"}),
    (environ(HTTP_HOST="a.example.org"), {"server_name": "example.org", "subdomain": "sub"}),
    (environ(**{"wsgi.url_scheme": "https"}, SERVER_PORT="443", SCRIPT_NAME="/app"), {}),
    (environ(SERVER_PORT="8080", SCRIPT_NAME="/app", PATH_INFO=""), {}),
    (environ(SCRIPT_NAME="/\xc3\xa4pp", PATH_INFO="/\xff"), {}),
    (
        environ(
            **{"wsgi.url_scheme": "https"},
            HTTP_HOST="example.org:443",
            HTTP_UPGRADE="WebSocket",
            HTTP_CONNECTION="keep-alive, Upgrade",
            PATH_INFO="/ws",
        ),
        {"server_name": "example.org:443"},
    ),
    (environ(HTTP_UPGRADE="websocket", HTTP_CONNECTION="close", PATH_INFO="/ws"), {}),
    (environ(REQUEST_METHOD="DELETE", PATH_INFO="/ü/x"), {}),
]


@pytest.mark.parametrize(("env", "kwargs"), CASES)
def test_bind_to_environ_matches_werkzeug(env: dict[str, Any], kwargs: dict[str, Any]) -> None:
    wz_routing = pytest.importorskip("werkzeug.routing")
    ours, our_warnings = bind(Map(rules(Rule)), env, **kwargs)
    theirs, their_warnings = bind(wz_routing.Map(rules(wz_routing.Rule)), env, **kwargs)
    assert fields(ours) == fields(theirs)
    assert outcome(ours) == outcome(theirs)
    assert our_warnings == their_warnings


def test_bind_to_environ_reads_the_environ() -> None:
    adapter = Map(rules(Rule)).bind_to_environ(
        environ(
            REQUEST_METHOD="POST",
            SCRIPT_NAME="/app",
            PATH_INFO="/\xc3\xbc/a%2Fb",
            QUERY_STRING="q=1",
            SERVER_PORT="8080",
        )
    )
    assert isinstance(adapter, MapAdapter)
    assert fields(adapter) == {
        "server_name": "example.org:8080",
        "script_name": "/app/",
        "subdomain": "",
        "url_scheme": "http",
        "path_info": "/ü/a%2Fb",
        "default_method": "POST",
        "query_args": "q=1",
        "websocket": False,
    }
    assert adapter.match() == ("umlaut", {"name": "a%2Fb"})
    assert adapter.build("umlaut", {"name": "x"}) == "/app/%C3%BC/x"
    assert adapter.build("index", force_external=True) == "http://example.org:8080/app/"


def test_bind_to_environ_prefers_http_host() -> None:
    adapter = Map([Rule("/", endpoint="index")]).bind_to_environ(
        environ(HTTP_HOST="Www.Example.ORG:80", SERVER_NAME="internal", SERVER_PORT="8000")
    )
    assert adapter.server_name == "www.example.org"
    assert adapter.subdomain == ""


def test_bind_to_environ_defaults() -> None:
    adapter = Map([Rule("/", endpoint="index")]).bind_to_environ(
        {"wsgi.url_scheme": "http", "SERVER_NAME": "h", "SERVER_PORT": "80"}
    )
    assert adapter.default_method == "GET"
    assert adapter.path_info == "/"
    assert adapter.script_name == "/"
    assert adapter.query_args is None
    assert adapter.match() == ("index", {})


def test_bind_to_environ_subdomains() -> None:
    url_map = Map(rules(Rule))
    adapter = url_map.bind_to_environ(
        environ(HTTP_HOST="sub.example.org", PATH_INFO="/s"), server_name="example.org"
    )
    assert adapter.subdomain == "sub"
    assert adapter.match() == ("on_sub", {})
    # Without a server name the whole host is the server: no subdomain.
    adapter = url_map.bind_to_environ(environ(HTTP_HOST="sub.example.org", PATH_INFO="/s"))
    assert adapter.subdomain == ""
    # A given subdomain is used as it is.
    adapter = url_map.bind_to_environ(
        environ(HTTP_HOST="x.example.org", PATH_INFO="/s"),
        server_name="example.org",
        subdomain="sub",
    )
    assert adapter.subdomain == "sub"
    assert adapter.match() == ("on_sub", {})


def test_bind_to_environ_host_outside_server_name_warns_and_matches_nothing() -> None:
    url_map = Map(rules(Rule))
    with pytest.warns(UserWarning, match="'example.org'") as caught:
        adapter = url_map.bind_to_environ(
            environ(HTTP_HOST="evil.test", PATH_INFO="/"), server_name="example.org"
        )
    # The client's host name is not in the message (see bind_to_environ).
    assert "evil" not in str(caught[0].message)
    assert caught[0].filename == __file__
    assert adapter.subdomain == "<invalid>"
    assert outcome(adapter) == ("NotFound", None)


def test_bind_to_environ_no_warning_with_a_subdomain_or_host_matching() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        adapter = Map(rules(Rule)).bind_to_environ(
            environ(HTTP_HOST="evil.test"), server_name="example.org", subdomain=""
        )
        assert adapter.subdomain == ""
        hosts = Map([Rule("/", endpoint="index", host="example.org")], host_matching=True)
        adapter = hosts.bind_to_environ(environ(HTTP_HOST="example.org", PATH_INFO="/"))
        assert adapter.subdomain is None
        assert adapter.match() == ("index", {})
        adapter = hosts.bind_to_environ(environ(HTTP_HOST="evil.test", PATH_INFO="/"))
        assert outcome(adapter) == ("NotFound", None)


def test_bind_to_environ_host_matching_refuses_a_subdomain() -> None:
    hosts = Map([Rule("/", endpoint="index", host="example.org")], host_matching=True)
    with pytest.raises(RuntimeError, match="host matching"):
        hosts.bind_to_environ(environ(), subdomain="www")


def test_bind_to_environ_bare_mount_point_redirects() -> None:
    adapter = Map([Rule("/", endpoint="index")]).bind_to_environ(
        environ(SCRIPT_NAME="/app", PATH_INFO="")
    )
    assert adapter.path_info == ""
    with pytest.raises(RequestRedirect) as info:
        adapter.match()
    assert info.value.new_url == "http://example.org/app/"


def test_bind_to_environ_websocket_upgrade() -> None:
    url_map = Map(rules(Rule))
    upgrade = {"HTTP_UPGRADE": "websocket", "HTTP_CONNECTION": "Upgrade"}
    adapter = url_map.bind_to_environ(environ(PATH_INFO="/ws", **upgrade))
    assert adapter.url_scheme == "ws"
    assert adapter.websocket is True
    assert adapter.match() == ("socket", {})
    secure = url_map.bind_to_environ(
        environ(**{"wsgi.url_scheme": "https"}, SERVER_PORT="443", PATH_INFO="/ws", **upgrade)
    )
    assert secure.url_scheme == "wss"
    # "Upgrade" without "Connection: upgrade" is a plain request.
    plain = url_map.bind_to_environ(environ(PATH_INFO="/ws", HTTP_UPGRADE="websocket"))
    assert plain.websocket is False


def test_bind_to_environ_non_ascii_query_is_requoted_in_redirects() -> None:
    adapter = Map([Rule("/a/", endpoint="a")]).bind_to_environ(
        environ(PATH_INFO="/a", QUERY_STRING="q=\xc3\xa4 x")
    )
    assert adapter.query_args == b"q=\xc3\xa4 x"
    with pytest.raises(RequestRedirect) as info:
        adapter.match()
    assert info.value.new_url == "http://example.org/a/?q=%C3%A4%20x"
    # A server that handed over decoded text: its UTF-8 bytes.
    decoded = Map([Rule("/a/", endpoint="a")]).bind_to_environ(
        environ(PATH_INFO="/a", QUERY_STRING="q=€")
    )
    assert decoded.query_args == "q=€".encode()


def test_bind_to_environ_takes_a_request() -> None:
    request = Request(
        environ(PATH_INFO="/\xc3\xbc/z", QUERY_STRING="x=1", **{"wsgi.input": io.BytesIO()})
    )
    adapter = Map(rules(Rule)).bind_to_environ(request)
    assert adapter.path_info == "/ü/z"
    assert adapter.query_args == "x=1"
    assert adapter.match() == ("umlaut", {"name": "z"})


def test_bind_to_environ_agrees_with_bind_to_request() -> None:
    env = environ(
        HTTP_HOST="Sub.Example.org:8080",
        SCRIPT_NAME="/app",
        PATH_INFO="/s",
        QUERY_STRING="k=v",
        **{"wsgi.input": io.BytesIO()},
    )
    url_map = Map(rules(Rule))
    from_environ = url_map.bind_to_environ(env, server_name="example.org:8080")
    from_request = url_map.bind_to_request(Request(env), server_name="example.org:8080")
    for name in ("server_name", "script_name", "subdomain", "url_scheme", "path_info"):
        assert getattr(from_environ, name) == getattr(from_request, name)
    assert from_environ.match() == from_request.match() == ("on_sub", {})


def test_bind_to_environ_malformed_host_is_a_400() -> None:
    # COMPAT(werkzeug): Werkzeug reads such a host as ""; erlen refuses it,
    # as request.host does.
    with pytest.raises(SecurityError) as info:
        Map([Rule("/", endpoint="index")]).bind_to_environ(environ(HTTP_HOST="a/b@c"))
    assert isinstance(info.value, BadRequest)
    assert info.value.code == 400
