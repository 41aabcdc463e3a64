"""Plain request and response records shared by the drivers, servers and checks."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request as the benchmarks send it, independent of the protocol."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def with_header(self, name: str, value: str) -> HttpRequest:
        """A copy with one more header."""
        return HttpRequest(
            self.method, self.path, self.query, (*self.headers, (name, value)), self.body
        )

    @property
    def target(self) -> str:
        """The request target: path plus query string."""
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass(slots=True)
class HttpResponse:
    """A complete response: status code, headers (lower-case names) and body."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of a header, or None."""
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def header_list(self, name: str) -> list[str]:
        """Every value of a header, in order."""
        name = name.lower()
        return [value for key, value in self.headers if key == name]

    def describe(self, limit: int = 160) -> str:
        """A one-line summary for failure messages."""
        body = self.body[:limit]
        more = "..." if len(self.body) > limit else ""
        return f"status {self.status}, body {body!r}{more}"
