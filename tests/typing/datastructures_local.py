"""The toolkit used directly: multi-value dicts, headers, uploads, local proxies."""

from __future__ import annotations

import io
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, assert_type

from erlen.http.datastructures import (
    CombinedMultiDict,
    FileStorage,
    Headers,
    ImmutableMultiDict,
    MultiDict,
)
from erlen.http.exceptions import BadRequest, BadRequestKeyError, NotFound
from erlen.http.utils import secure_filename
from erlen.local import Local, LocalProxy, LocalStack


def multidicts() -> dict[str, Any]:
    md: MultiDict[str, str] = MultiDict([("tag", "a"), ("tag", "b"), ("page", "2")])
    md.add("tag", "c")
    md.setlist("sort", ["name", "-date"])
    first = md["tag"]
    page = md.get("page", type=int)
    size = md.get("size", 10, type=int)
    missing = md.get("missing")
    assert_type(first, str)
    assert_type(page, int | None)
    assert_type(size, int)
    assert_type(missing, str | None)
    assert_type(md.getlist("tag"), list[str])
    frozen = ImmutableMultiDict(md)
    both = CombinedMultiDict([frozen, ImmutableMultiDict({"q": "x"})])
    try:
        md["nope"]
    except BadRequestKeyError as e:
        assert isinstance(e, BadRequest) and isinstance(e, KeyError)
    return {
        "flat": md.to_dict(),
        "lists": md.to_dict(flat=False),
        "pairs": list(md.items(multi=True)),
        "q": both.get("q"),
    }


def headers() -> list[tuple[str, str]]:
    h = Headers({"Content-Type": "text/plain"})
    h.add("Set-Cookie", "a=1")
    h.add("Set-Cookie", "b=2")
    h.add("Content-Disposition", "attachment", filename="report.pdf")
    h["X-Request-Id"] = "abc"
    h.setdefault("Cache-Control", "no-store")
    length = h.get("Content-Length", type=int)
    assert_type(length, int | None)
    assert_type(h.getlist("Set-Cookie"), list[str])
    assert_type(h["content-type"], str)
    if "x-request-id" in h:
        del h["X-Request-Id"]
    return h.to_wsgi_list()


def uploads(raw: bytes) -> str:
    upload = FileStorage(
        stream=io.BytesIO(raw),
        filename="../../etc/passwd.txt",
        name="file",
        content_type="text/plain; charset=utf-8",
    )
    assert_type(upload.filename, str | None)
    name = secure_filename(upload.filename or "upload")
    buffer = io.BytesIO()
    upload.save(buffer)
    return f"{name}:{upload.mimetype}:{len(buffer.getvalue())}"


@dataclass
class Tenant:
    name: str


_tenant: ContextVar[Tenant] = ContextVar("tenant")
current_tenant: Tenant = LocalProxy(_tenant)  # type: ignore[assignment]
tenant_proxy = LocalProxy(_tenant)
assert_type(tenant_proxy, LocalProxy[Tenant])

locals_ = Local()
user_name = locals_("user_name")
stack: LocalStack[Tenant] = LocalStack()
top_tenant = LocalProxy(stack)
assert_type(top_tenant, LocalProxy[Tenant])
assert_type(stack.top, Tenant | None)


def in_tenant(name: str) -> str:
    token = _tenant.set(Tenant(name))
    try:
        real = tenant_proxy._get_current_object()
        assert_type(real, Tenant)
        return current_tenant.name
    finally:
        _tenant.reset(token)


def require(value: str | None) -> str:
    if value is None:
        raise NotFound(description="no such value")
    return value
