"""erlen.http.proxy.resolve_forwarded: trusted X-Forwarded-* handling."""

from __future__ import annotations

from typing import Any

import pytest

from erlen.http.proxy import Forwarded, resolve_forwarded, split_host


class FakeHeaders:
    """Minimal header source: case-insensitive, multi-valued ``getlist``."""

    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.pairs = pairs

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k.lower() == key.lower()]


def resolve(*pairs: tuple[str, str], **counts: int) -> Forwarded:
    return resolve_forwarded(FakeHeaders(*pairs), "10.0.0.1", "http", "internal:8000", "", **counts)


def test_no_headers_keeps_everything() -> None:
    assert resolve() == Forwarded("10.0.0.1", "http", "internal:8000", "")


def test_defaults_trust_one_for_and_proto_only() -> None:
    fwd = resolve(
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "example.com"),
        ("X-Forwarded-Port", "8443"),
        ("X-Forwarded-Prefix", "/app"),
    )
    assert fwd == Forwarded("203.0.113.7", "https", "internal:8000", "")


def test_for_counts_from_the_right() -> None:
    header = ("X-Forwarded-For", "1.1.1.1, 2.2.2.2, 3.3.3.3")
    assert resolve(header, x_for=1).remote_addr == "3.3.3.3"
    assert resolve(header, x_for=2).remote_addr == "2.2.2.2"
    assert resolve(header, x_for=3).remote_addr == "1.1.1.1"


def test_fewer_values_than_trusted_is_ignored() -> None:
    header = ("X-Forwarded-For", "2.2.2.2, 3.3.3.3")
    assert resolve(header, x_for=3).remote_addr == "10.0.0.1"
    assert resolve(("X-Forwarded-Proto", "https"), x_proto=2).scheme == "http"


def test_zero_disables_a_header() -> None:
    fwd = resolve(
        ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https"), x_for=0, x_proto=0
    )
    assert fwd.remote_addr == "10.0.0.1"
    assert fwd.scheme == "http"


def test_repeated_header_lines_count_as_one_list() -> None:
    fwd = resolve(
        ("X-Forwarded-For", "1.1.1.1"),
        ("X-Forwarded-For", "2.2.2.2, 3.3.3.3"),
        x_for=3,
    )
    assert fwd.remote_addr == "1.1.1.1"


def test_empty_items_are_skipped() -> None:
    assert resolve(("X-Forwarded-For", " , 1.1.1.1 ,, "), x_for=1).remote_addr == "1.1.1.1"
    assert resolve(("X-Forwarded-For", ""), x_for=1).remote_addr == "10.0.0.1"


def test_proto_is_lowercased_and_validated() -> None:
    assert resolve(("X-Forwarded-Proto", "HTTPS")).scheme == "https"
    assert resolve(("X-Forwarded-Proto", "ht tp")).scheme == "http"
    assert resolve(("X-Forwarded-Proto", "javascript:alert(1)")).scheme == "http"


def test_host_replaces_host_with_its_port() -> None:
    assert resolve(("X-Forwarded-Host", "example.com"), x_host=1).host == "example.com"
    assert resolve(("X-Forwarded-Host", "example.com:8080"), x_host=1).host == "example.com:8080"
    assert resolve(("X-Forwarded-Host", "a.com, b.com"), x_host=2).host == "a.com"


def test_invalid_host_is_ignored() -> None:
    for bad in ("evil.com/path", "user@evil.com", "a b", "host:port"):
        assert resolve(("X-Forwarded-Host", bad), x_host=1).host == "internal:8000", bad


def test_port_rewrites_the_host_port() -> None:
    assert resolve(("X-Forwarded-Port", "443"), x_port=1).host == "internal:443"
    fwd = resolve(
        ("X-Forwarded-Host", "example.com"), ("X-Forwarded-Port", "8443"), x_host=1, x_port=1
    )
    assert fwd.host == "example.com:8443"
    fwd = resolve(
        ("X-Forwarded-Host", "example.com:1"), ("X-Forwarded-Port", "2"), x_host=1, x_port=1
    )
    assert fwd.host == "example.com:2"
    assert resolve(("X-Forwarded-Port", "https"), x_port=1).host == "internal:8000"


def test_port_with_ipv6_host() -> None:
    headers = FakeHeaders(("X-Forwarded-Port", "8080"))
    assert resolve_forwarded(headers, None, "http", "[::1]", "", x_port=1).host == "[::1]:8080"
    assert resolve_forwarded(headers, None, "http", "[::1]:80", "", x_port=1).host == "[::1]:8080"


def test_port_without_host_leaves_host_none() -> None:
    headers = FakeHeaders(("X-Forwarded-Port", "8080"))
    assert resolve_forwarded(headers, None, "http", None, "", x_port=1).host is None


def test_prefix_becomes_root_path() -> None:
    assert resolve(("X-Forwarded-Prefix", "/app"), x_prefix=1).root_path == "/app"
    assert resolve(("X-Forwarded-Prefix", "/app/"), x_prefix=1).root_path == "/app"
    assert resolve(("X-Forwarded-Prefix", "app"), x_prefix=1).root_path == "/app"
    assert resolve(("X-Forwarded-Prefix", "/"), x_prefix=1).root_path == ""
    assert resolve(("X-Forwarded-Prefix", "/caf%C3%A9"), x_prefix=1).root_path == "/café"


def test_prefix_replaces_an_existing_root_path() -> None:
    headers = FakeHeaders(("X-Forwarded-Prefix", "/outer"))
    assert resolve_forwarded(headers, None, "http", "h", "/inner", x_prefix=1).root_path == "/outer"


def test_forwarded_is_a_named_tuple() -> None:
    fwd = resolve(("X-Forwarded-For", "1.2.3.4"))
    remote, scheme, host, root = fwd
    assert (remote, scheme, host, root) == ("1.2.3.4", "http", "internal:8000", "")
    assert fwd._fields == ("remote_addr", "scheme", "host", "root_path")


CASES: list[tuple[dict[str, str], dict[str, int]]] = [
    ({"HTTP_X_FORWARDED_FOR": "1.1.1.1, 2.2.2.2"}, {"x_for": 1}),
    ({"HTTP_X_FORWARDED_FOR": "1.1.1.1, 2.2.2.2"}, {"x_for": 2}),
    ({"HTTP_X_FORWARDED_FOR": "1.1.1.1, 2.2.2.2"}, {"x_for": 3}),
    ({"HTTP_X_FORWARDED_PROTO": "https"}, {"x_proto": 1}),
    ({"HTTP_X_FORWARDED_PROTO": "https, http"}, {"x_proto": 2}),
    ({"HTTP_X_FORWARDED_HOST": "example.com:9000"}, {"x_host": 1}),
    ({"HTTP_X_FORWARDED_HOST": "a.example, b.example"}, {"x_host": 1}),
    ({"HTTP_X_FORWARDED_PORT": "8443"}, {"x_port": 1}),
    (
        {"HTTP_X_FORWARDED_HOST": "example.com", "HTTP_X_FORWARDED_PORT": "81"},
        {"x_host": 1, "x_port": 1},
    ),
    ({"HTTP_X_FORWARDED_PREFIX": "/mounted"}, {"x_prefix": 1}),
    ({"HTTP_X_FORWARDED_PREFIX": "/a, /b"}, {"x_prefix": 2}),
]


@pytest.mark.parametrize(("extra", "counts"), CASES)
def test_matches_werkzeug_proxy_fix(extra: dict[str, str], counts: dict[str, int]) -> None:
    proxy_fix = pytest.importorskip("werkzeug.middleware.proxy_fix")
    environ: dict[str, Any] = {
        "REMOTE_ADDR": "10.0.0.1",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "internal:8000",
        "SERVER_NAME": "internal",
        "SERVER_PORT": "8000",
        "SCRIPT_NAME": "",
        **extra,
    }
    seen: dict[str, Any] = {}

    def app(env: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(env)
        return []

    proxy_fix.ProxyFix(app, **{"x_for": 0, "x_proto": 0, **counts})(dict(environ), None)
    pairs = [
        (key[5:].replace("_", "-"), value)
        for key, value in extra.items()
        if key.startswith("HTTP_")
    ]
    fwd = resolve_forwarded(
        FakeHeaders(*pairs),
        "10.0.0.1",
        "http",
        "internal:8000",
        "",
        **{"x_for": 0, "x_proto": 0, **counts},
    )
    assert fwd.remote_addr == seen["REMOTE_ADDR"]
    assert fwd.scheme == seen["wsgi.url_scheme"]
    assert fwd.host == seen["HTTP_HOST"]
    assert fwd.root_path == seen["SCRIPT_NAME"]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("example.com", ("example.com", None)),
        ("example.com:8080", ("example.com", 8080)),
        ("example.com:http", ("example.com", None)),
        ("[::1]", ("[::1]", None)),
        ("[::1]:443", ("[::1]", 443)),
        ("::1", ("::1", None)),
    ],
)
def test_split_host(host: str, expected: tuple[str, int | None]) -> None:
    assert split_host(host) == expected
