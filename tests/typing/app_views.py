"""A small app's views: converters, each kind of return value, the request API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, assert_type
from uuid import UUID

from erlen import (
    Erlen,
    Response,
    abort,
    jsonify,
    make_response,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from erlen.http.datastructures import FileStorage, ImmutableMultiDict
from erlen.json.provider import DefaultJSONProvider, JSONProvider

app = Erlen(__name__)
app.config["SECRET_KEY"] = "dev"
app.config.from_mapping(PAGE_SIZE=20, FEATURE_X=True)
app.secret_key = "dev"
app.permanent_session_lifetime = timedelta(days=7)
app.json.sort_keys = False

page_size: int = app.config.get("PAGE_SIZE", 10)
feature_x = bool(app.config["FEATURE_X"])
debug: bool = app.debug


@app.route("/")
def index() -> str:
    return "Index Page"


@app.route("/post/<int:post_id>")
def show_post(post_id: int) -> str:
    return f"Post {post_id}"


@app.route("/price/<float:amount>")
def price(amount: float) -> dict[str, float]:
    return {"amount": amount, "with_tax": round(amount * 1.2, 2)}


@app.route("/item/<uuid:item_id>")
def item(item_id: UUID) -> tuple[dict[str, str], int]:
    return {"id": str(item_id)}, 200


@app.route("/files/<path:subpath>")
def files(subpath: str) -> tuple[str, int, dict[str, str]]:
    return subpath, 200, {"X-Subpath": subpath}


@app.get("/search")
def search() -> Response:
    q = request.args.get("q", "")
    page = request.args.get("page", type=int)
    per_page = request.args.get("per_page", 20, type=int)
    tags = request.args.getlist("tag")
    ids = request.args.getlist("id", type=int)
    assert_type(q, str)
    assert_type(page, int | None)
    assert_type(per_page, int)
    assert_type(tags, list[str])
    assert_type(ids, list[int])
    return jsonify(q=q, page=page or 1, per_page=per_page, tags=tags, ids=ids)


@app.post("/api/items")
def create_item() -> tuple[Response, int]:
    payload = request.get_json()
    assert_type(payload, Any)
    silent = request.get_json(silent=True)
    if not isinstance(payload, dict) or "name" not in payload:
        abort(400, description="a JSON object with a name is required")
    name: str = payload["name"]
    return jsonify({"name": name, "forced": silent is not None}), 201


@app.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    if request.method == "POST":
        username = request.form["username"]
        remember = request.form.get("remember") == "on"
        form: ImmutableMultiDict[str, str] = request.form
        assert_type(username, str)
        if username and remember and "password" in form:
            return redirect(url_for("show_post", post_id=1))
    return "<form method=post>...</form>"


@app.route("/upload", methods=["POST"])
def upload() -> str:
    f = request.files["the_file"]
    assert_type(f, FileStorage)
    maybe = request.files.get("other")
    assert_type(maybe, FileStorage | None)
    if not f.filename:
        abort(400)
    f.save(f"/tmp/{f.filename}")
    return f"{f.filename} ({f.mimetype})"


@app.route("/headers")
def headers() -> str:
    agent = request.headers.get("User-Agent")
    assert_type(agent, str | None)
    length = request.headers.get("Content-Length", type=int)
    assert_type(length, int | None)
    user = request.cookies.get("username")
    assert_type(user, str | None)
    return f"{agent} {length} {user} {request.path} {request.url} {request.remote_addr}"


@app.route("/custom")
def custom() -> Response:
    resp = make_response("custom body", 201)
    resp.headers["X-Custom"] = "yes"
    resp.set_cookie("username", "ada", max_age=3600, httponly=True, samesite="Lax")
    resp.mimetype = "text/plain"
    return resp


@app.route("/stream")
def stream() -> Response:
    def generate() -> Iterator[str]:
        yield "a"
        yield request.path

    return Response(stream_with_context(generate()), mimetype="text/plain")


@app.route("/old")
def old() -> Response:
    return redirect(url_for("index"), code=301)


@app.route("/teapot")
def teapot() -> str:
    abort(418)


def _decorators_keep_types() -> None:
    # The route decorators give back the function itself, so it stays typed.
    assert_type(show_post(3), str)
    assert_type(price(1.5), dict[str, float])
    assert_type(item(UUID(int=1)), tuple[dict[str, str], int])
    assert_type(search(), Response)


class PlainJSON(JSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return repr(obj)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return s


def plug_json_provider(other: Erlen) -> str:
    # Any provider may be assigned; reading gives the default one's settings.
    other.json = PlainJSON(other)
    other.json_provider_class = PlainJSON
    assert_type(other.json, DefaultJSONProvider)
    return other.json.dumps([1])


def build_urls() -> list[str]:
    with app.test_request_context("/"):
        urls = [
            url_for("index"),
            url_for("show_post", post_id=42),
            url_for("search", q="erlen", _external=True),
            url_for("static", filename="style.css"),
        ]
        assert_type(urls, list[str])
        return urls
