"""The notes' examples (routing §2.1, request §2.2, response §2.3, signals
§2.5, contexts §2.6, lifecycle §2.7, hooks §2.8), with ``flask`` imports
replaced by ``erlen`` ones, run through the test client.

Each test keeps the example's code as written in the notes (completing only
what the notes elide, such as ``do_the_login``) and asserts what the notes
say it does.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from erlen import (
    Blueprint,
    Erlen,
    Response,
    abort,
    escape,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    signals,
    url_for,
)
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]

# -- §2.1 routing ------------------------------------------------------------------------


def test_2_1_1_route(make_client: MakeClient) -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "Index Page"

    @app.route("/hello")
    def hello() -> str:
        return "Hello, World"

    client = make_client(app)
    assert client.get("/").data == b"Index Page"
    assert client.get("/hello").data == b"Hello, World"


def test_2_1_2_blueprint_with_prefix_and_error_handler(
    tmp_path: Path, make_client: MakeClient
) -> None:
    (tmp_path / "templates" / "auth").mkdir(parents=True)
    (tmp_path / "templates" / "auth" / "404.html").write_text("auth: page not found")
    (tmp_path / "templates" / "auth" / "login.html").write_text("auth: login form")

    # auth/routes.py
    auth_bp = Blueprint("auth", __name__)

    @auth_bp.route("/login")
    def login() -> str:
        return render_template("auth/login.html")

    @auth_bp.route("/logout")
    def logout() -> Any:
        return redirect(url_for("auth.login"))

    @auth_bp.errorhandler(404)
    def auth_not_found(e: Exception) -> str:
        return render_template("auth/404.html")

    @auth_bp.route("/profile/<int:uid>")
    def profile(uid: int) -> str:
        abort(404)

    # app.py
    app = Erlen(__name__, root_path=str(tmp_path))
    app.register_blueprint(auth_bp, url_prefix="/auth")

    client = make_client(app)
    assert client.get("/auth/login").data == b"auth: login form"
    rv = client.get("/auth/logout")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/auth/login"
    assert client.get("/auth/logout", follow_redirects=True).data == b"auth: login form"
    # The blueprint's 404 handler answers for its views (the notes return the
    # template with status 200, since the handler gives no status).
    rv = client.get("/auth/profile/1")
    assert rv.data == b"auth: page not found"
    assert rv.status_code == 200
    # ...and, in erlen, for unknown URLs under its prefix too.
    assert client.get("/auth/unknown").data == b"auth: page not found"
    assert client.get("/unknown").status_code == 404


def test_2_1_3_variable_rules(make_client: MakeClient) -> None:
    app = Erlen(__name__)

    @app.route("/user/<username>")
    def show_user_profile(username: str) -> str:
        # show the user profile for that user
        return "User %s" % escape(username)  # noqa: UP031

    @app.route("/post/<int:post_id>")
    def show_post(post_id: int) -> str:
        # show the post with the given id, the id is an integer
        return "Post %d" % post_id  # noqa: UP031

    @app.route("/path/<path:subpath>")
    def show_subpath(subpath: str) -> str:
        # show the subpath after /path/
        return "Subpath %s" % escape(subpath)  # noqa: UP031

    client = make_client(app)
    assert client.get("/user/john").data == b"User john"
    assert client.get("/user/%3Cb%3E").data == b"User &lt;b&gt;"
    assert client.get("/post/42").data == b"Post 42"
    assert client.get("/post/forty-two").status_code == 404
    assert client.get("/post/-1").status_code == 404
    assert client.get("/path/a/b/c.txt").data == b"Subpath a/b/c.txt"


def test_2_1_3_converter_table(make_client: MakeClient) -> None:
    app = Erlen(__name__)
    app.add_url_rule("/s/<string:v>", "s", lambda v: f"string {v}")
    app.add_url_rule("/i/<int:v>", "i", lambda v: f"int {v!r}")
    app.add_url_rule("/f/<float:v>", "f", lambda v: f"float {v!r}")
    app.add_url_rule("/p/<path:v>", "p", lambda v: f"path {v}")
    app.add_url_rule("/u/<uuid:v>", "u", lambda v: f"uuid {v.hex}")
    client = make_client(app)
    assert client.get("/s/abc").data == b"string abc"
    assert client.get("/s/a/b").status_code == 404
    assert client.get("/i/7").data == b"int 7"
    assert client.get("/f/2.5").data == b"float 2.5"
    assert client.get("/f/2").status_code == 404
    assert client.get("/p/a/b").data == b"path a/b"
    assert client.get("/u/12345678-1234-5678-1234-567812345678").data == (
        b"uuid 12345678123456781234567812345678"
    )
    assert client.get("/u/not-a-uuid").status_code == 404


def test_2_1_4_http_methods(make_client: MakeClient) -> None:
    app = Erlen(__name__)

    def do_the_login() -> str:
        return "doing the login"

    def show_the_login_form() -> str:
        return "the login form"

    @app.route("/login", methods=["GET", "POST"])
    def login() -> str:
        if request.method == "POST":
            return do_the_login()
        else:
            return show_the_login_form()

    client = make_client(app)
    assert client.get("/login").data == b"the login form"
    assert client.post("/login").data == b"doing the login"
    assert client.delete("/login").status_code == 405


def test_2_1_5_redirects(make_client: MakeClient) -> None:
    app = Erlen(__name__)

    # 外部路由
    @app.route("/external")
    def external_redirect() -> Any:
        return redirect("https://www.baidu.com")

    # 内部路由
    @app.route("/")
    def index() -> str:
        return "Hello, World!"

    @app.route("/internal")
    def internal_redirect() -> Any:
        return redirect(url_for("index"))  # 重定向到 index 路由

    @app.route("/user/<username>")
    def user_profile(username: str) -> str:
        return f"User: {username}"

    @app.route("/redirect-to-user")
    def redirect_to_user() -> Any:
        return redirect(url_for("user_profile", username="Alice"))

    @app.route("/back")
    def go_back() -> Any:
        return redirect(request.referrer or url_for("index"))

    client = make_client(app)
    rv = client.get("/external")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "https://www.baidu.com"
    assert client.get("/internal").headers["Location"] == "/"
    assert client.get("/internal", follow_redirects=True).data == b"Hello, World!"
    assert client.get("/redirect-to-user").headers["Location"] == "/user/Alice"
    assert client.get("/redirect-to-user", follow_redirects=True).data == b"User: Alice"
    rv = client.get("/back", headers={"Referer": "http://localhost/user/Bob"})
    assert rv.headers["Location"] == "http://localhost/user/Bob"
    assert client.get("/back").headers["Location"] == "/"


def test_2_1_6_abort(make_client: MakeClient) -> None:
    app = Erlen(__name__)
    reached: list[str] = []

    def this_is_never_executed() -> None:
        reached.append("executed")

    @app.route("/")
    def index() -> Any:
        return redirect(url_for("login"))

    @app.route("/login")
    def login() -> None:
        abort(401)
        this_is_never_executed()

    client = make_client(app)
    rv = client.get("/")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/login"
    rv = client.get("/", follow_redirects=True)
    assert rv.status_code == 401
    assert reached == []


# -- §2.2 request data -------------------------------------------------------------------


def test_2_2_1_local_localstack_localproxy() -> None:
    from erlen.local import Local, LocalProxy, LocalStack

    local = Local()
    local.user = "Alice"  # 当前线程/上下文的 user 值为 "Alice"

    def another_context() -> str:
        local.user = "Bob"
        return str(local.user)

    import contextvars

    assert contextvars.copy_context().run(another_context) == "Bob"
    assert local.user == "Alice"  # 主线程的值未变

    stack: LocalStack[str] = LocalStack()
    stack.push("A")
    stack.push("B")
    assert stack.top == "B"
    stack.pop()
    assert stack.top == "A"

    user = LocalProxy(lambda: local.user)
    assert str(user) == "Alice"


@pytest.fixture
def request_app() -> Erlen:
    app = Erlen(__name__)

    @app.route("/method", methods=["GET", "POST"])
    def show_method() -> str:
        return f"This request was made using {request.method}"

    @app.route("/query")
    def get_query() -> str:
        name = request.args.get("name", "Anonymous")  # 获取参数,若不存在则返回默认值
        age = request.args.get("age", 0, type=int)  # 指定类型转换
        return f"Hello, {name}! Your age is {age}."

    @app.route("/form", methods=["POST"])
    def handle_form() -> str:
        username = request.form.get("username")
        password = request.form.get("password")
        return f"Username: {username}, Password: {password}"

    @app.route("/api/data", methods=["POST"])
    def api_data() -> str:
        data = request.get_json()  # 或直接使用 request.json
        return f"Received data: {data['name']}, {data['age']}"

    @app.route("/upload", methods=["POST"])
    def upload_file() -> str:
        if "file" not in request.files:
            return "No file uploaded."
        file = request.files["file"]
        if file.filename == "":
            return "No file selected."
        file.save(f"uploads/{file.filename}")  # 保存文件到指定路径
        return "File uploaded successfully!"

    @app.route("/")
    def index() -> str:
        user_agent = request.headers.get("User-Agent")  # 获取 User-Agent
        return f"Your User-Agent is {user_agent}"

    @app.route("/cookie")
    def cookie() -> dict[str, Any]:
        username = request.cookies.get("username")
        g.username = username
        return {}

    return app


def test_2_2_2_method_and_query(request_app: Erlen, make_client: MakeClient) -> None:
    client = make_client(request_app)
    assert client.get("/method").data == b"This request was made using GET"
    assert client.post("/method").data == b"This request was made using POST"
    assert client.get("/query").data == b"Hello, Anonymous! Your age is 0."
    assert client.get("/query?name=x&age=abc").data == b"Hello, x! Your age is 0."
    assert client.get("/query?name=Li%20Lei&age=18").data == b"Hello, Li Lei! Your age is 18."


def test_2_2_2_form(request_app: Erlen, make_client: MakeClient) -> None:
    client = make_client(request_app)
    rv = client.post("/form", data={"username": "john", "password": "s3cret"})
    assert rv.data == b"Username: john, Password: s3cret"
    assert client.post("/form", data={}).data == b"Username: None, Password: None"


def test_2_2_2_json(request_app: Erlen, make_client: MakeClient) -> None:
    client = make_client(request_app)
    rv = client.post("/api/data", json={"name": "Alice", "age": 30})
    assert rv.data == b"Received data: Alice, 30"
    rv = client.post("/api/data", data="{bad", content_type="application/json")
    assert rv.status_code == 400
    rv = client.post("/api/data", data="name=x", content_type="application/x-www-form-urlencoded")
    assert rv.status_code == 415


def test_2_2_2_upload(
    request_app: Erlen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "uploads").mkdir()
    client = make_client(request_app)
    assert client.post("/upload", data={}).data == b"No file uploaded."
    rv = client.post("/upload", data={"file": (io.BytesIO(b""), "")})
    assert rv.data == b"No file selected."
    rv = client.post("/upload", data={"file": (io.BytesIO(b"hello file"), "report.txt")})
    assert rv.data == b"File uploaded successfully!"
    assert (tmp_path / "uploads" / "report.txt").read_bytes() == b"hello file"


def test_2_2_2_headers_and_cookies(request_app: Erlen, make_client: MakeClient) -> None:
    client = make_client(request_app)
    rv = client.get("/", headers={"User-Agent": "Mozilla/5.0 (test)"})
    assert rv.data == b"Your User-Agent is Mozilla/5.0 (test)"
    client.set_cookie("username", "alice")
    rv = client.get("/cookie")
    assert rv.json == {}
    assert rv.mimetype == "application/json"


# -- §2.3 responses ------------------------------------------------------------------------


def test_2_3_response_types(tmp_path: Path, make_client: MakeClient) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "index.html").write_text("<h1>{{ 'index' }}</h1>")
    (tmp_path / "file.txt").write_text("file contents")
    app = Erlen(__name__, root_path=str(tmp_path))

    @app.route("/str")
    def as_str() -> str:
        return "Hello"

    @app.route("/dict")
    def as_dict() -> dict[str, str]:
        return {"key": "value"}

    @app.route("/jsonify")
    def as_jsonify() -> Response:
        return jsonify({"key": "value"})

    @app.route("/template")
    def as_template() -> str:
        return render_template("index.html")

    @app.route("/stream")
    def as_stream() -> Response:
        def generate() -> Any:
            yield "line 1\n"
            yield "line 2\n"

        return Response(generate(), mimetype="text/plain")

    @app.route("/file")
    def as_file() -> Response:
        return send_file("file.txt")

    client = make_client(app)
    expected = {
        "/str": ("text/html", b"Hello"),
        "/dict": ("application/json", None),
        "/jsonify": ("application/json", None),
        "/template": ("text/html", b"<h1>index</h1>"),
        "/stream": ("text/plain", b"line 1\nline 2\n"),
        "/file": ("text/plain", b"file contents"),
    }
    for path, (mimetype, body) in expected.items():
        rv = client.get(path)
        assert rv.status_code == 200, path
        assert rv.mimetype == mimetype, path
        if body is None:
            assert rv.json == {"key": "value"}
        else:
            assert rv.data == body, path
        rv.close()


# -- §2.5 signals --------------------------------------------------------------------------


def test_2_5_request_finished_and_got_request_exception(
    capsys: pytest.CaptureFixture[str],
    make_client: MakeClient,
) -> None:
    from erlen import got_request_exception, request_finished

    app = Erlen(__name__)
    logged: list[str] = []

    def log_request(sender: Any, response: Any, **extra: Any) -> None:
        print(f"Request finished with status {response.status_code}")

    def log_exception(sender: Any, exception: Exception, **extra: Any) -> None:
        logged.append(f"An exception occurred: {exception}")

    request_finished.connect(log_request, app)
    got_request_exception.connect(log_exception, app)
    try:

        @app.route("/")
        def index() -> str:
            return "ok"

        @app.route("/boom")
        def boom() -> str:
            raise RuntimeError("kaboom")

        client = make_client(app)
        client.get("/")
        assert capsys.readouterr().out == "Request finished with status 200\n"
        assert client.get("/boom").status_code == 500
        assert logged == ["An exception occurred: kaboom"]
    finally:
        request_finished.disconnect(log_request)
        got_request_exception.disconnect(log_exception)


def test_2_5_custom_signal() -> None:
    app = Erlen(__name__)

    # 创建一个自定义信号
    user_registered = signals.signal("user-registered")
    sent: list[str] = []

    class NewUser:
        email = "new@example.com"

    def send_welcome_email(sender: Any, user: Any, **extra: Any) -> None:
        sent.append(f"Sending welcome email to {user.email}")

    user_registered.connect(send_welcome_email, app)
    try:
        new_user = NewUser()
        # 在用户注册后发送信号
        user_registered.send(app, user=new_user)
        user_registered.send(Erlen("another"), user=new_user)
    finally:
        user_registered.disconnect(send_welcome_email)
    assert sent == ["Sending welcome email to new@example.com"]
    assert signals.signal("user-registered") is user_registered


# -- §2.6 contexts -----------------------------------------------------------------------------


def test_2_6_1_manual_request_context() -> None:
    app = Erlen(__name__)
    app.secret_key = "slsdaljdljdlj"

    # 删除Session
    @app.route("/logout")
    def logout() -> str:
        session.pop("user_id", None)  # 删除指定键
        session.clear()  # 清除所有 Session 数据
        return "Logged out!"

    with app.test_request_context("/logout"):
        assert logout() == "Logged out!"
        assert dict(session) == {}


def test_2_6_1_request_and_session_objects(
    capsys: pytest.CaptureFixture[str], make_client: MakeClient
) -> None:
    app = Erlen(__name__)
    app.secret_key = "slsdaljdljdlj"

    @app.route("/login")
    def login() -> str:
        session["user_id"] = 123
        return "Logged in!"

    @app.route("/logout")
    def logout() -> str:
        print(request.headers)
        session.pop("user_id", None)  # 删除指定键
        session.clear()  # 清除所有 Session 数据
        return "Logged out!"

    @app.route("/whoami")
    def whoami() -> str:
        return str(session.get("user_id"))

    client = make_client(app)
    client.get("/login")
    assert client.get("/whoami").data == b"123"
    assert client.get("/logout", headers={"X-Trace": "t1"}).data == b"Logged out!"
    printed = capsys.readouterr().out
    assert "X-Trace" in printed
    assert "t1" in printed
    assert client.get("/whoami").data == b"None"


def test_2_6_2_app_context() -> None:
    initialised: list[str] = []

    def init_db() -> None:
        from erlen import current_app

        initialised.append(current_app.name)

    def create_app() -> Erlen:
        app = Erlen(__name__)

        with app.app_context():
            init_db()

        return app

    app = create_app()
    assert initialised == [app.name]


# -- §2.7 lifecycle and §2.8 hooks ----------------------------------------------------------------


def test_2_7_request_lifecycle_simplified(make_client: MakeClient) -> None:
    # 请求到达 -> before_request -> view -> after_request -> 销毁
    app = Erlen(__name__)
    steps: list[str] = []
    app.before_request(lambda: steps.append("before_request") and None)

    @app.route("/")
    def view() -> str:
        steps.append("view")
        return "ok"

    @app.after_request
    def after(response: Response) -> Response:
        steps.append("after_request")
        return response

    @app.teardown_request
    def destroy(exc: BaseException | None) -> None:
        steps.append("teardown_request")

    make_client(app).get("/")
    assert steps == ["before_request", "view", "after_request", "teardown_request"]


def test_2_8_hooks(capsys: pytest.CaptureFixture[str], make_client: MakeClient) -> None:
    app = Erlen(__name__)
    app.secret_key = "secret"

    @app.before_first_request
    def before_first_request() -> None:
        print("第一个请求前执行: 初始化数据库连接")

    @app.before_request
    def before_request() -> Any:
        if "user_id" not in session and request.endpoint != "login":
            return redirect(url_for("login"))
        return None

    @app.after_request
    def after_request(response: Response) -> Response:
        response.headers["X-Processed"] = "yes"
        return response

    @app.teardown_request
    def teardown_request(exc: BaseException | None) -> None:
        print(f"teardown: {exc}")

    @app.route("/login")
    def login() -> str:
        session["user_id"] = 1
        return "logged in"

    @app.route("/dashboard")
    def dashboard() -> str:
        return "dashboard"

    client = make_client(app)
    rv = client.get("/dashboard")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/login"
    assert rv.headers["X-Processed"] == "yes"
    out = capsys.readouterr().out
    assert out.count("第一个请求前执行: 初始化数据库连接") == 1
    assert "teardown: None" in out
    assert client.get("/login").data == b"logged in"
    assert client.get("/dashboard").data == b"dashboard"
    assert "初始化数据库连接" not in capsys.readouterr().out
