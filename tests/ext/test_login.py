"""erlen.ext.login: logging in and out, current_user, the guards on sync,
async and class-based views, login views and messages, loaders and signals.

Every client test runs over WSGI and ASGI (the ``client`` fixture)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from erlen import (
    Blueprint,
    Erlen,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)
from erlen.ext.login import (
    EXEMPT_METHODS,
    AnonymousUserMixin,
    LoginManager,
    UserMixin,
    confirm_login,
    current_user,
    fresh_login_required,
    get_next_url,
    login_fresh,
    login_remembered,
    login_required,
    login_url,
    login_user,
    logout_user,
    set_login_view,
    user_accessed,
    user_loaded_from_request,
    user_logged_in,
    user_logged_out,
    user_login_confirmed,
    user_needs_refresh,
    user_unauthorized,
)
from erlen.ext.login.utils import session_identifier
from erlen.testing import ErlenClient
from erlen.views import MethodView


class User(UserMixin):
    def __init__(self, id: str, name: str, active: bool = True) -> None:
        self.id = id
        self.name = name
        self.active = active

    @property
    def is_active(self) -> bool:
        return self.active


USERS = {
    "1": User("1", "alice"),
    "2": User("2", "bob", active=False),
    "3": User("3", "carol"),
}


class LoaderLog:
    """Counts user_loader calls, to check the user is loaded once, lazily."""

    def __init__(self) -> None:
        self.calls: list[str] = []


def build_app(**config: Any) -> tuple[Erlen, LoginManager, LoaderLog]:
    app = Erlen("login_test")
    app.config.update(TESTING=True, SECRET_KEY="login secret", **config)
    manager = LoginManager(app)
    log = LoaderLog()

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        log.calls.append(user_id)
        return USERS.get(user_id)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "GET":
            return "login page"
        form = request.form
        user = USERS[form["user_id"]]
        ok = login_user(
            user,
            remember=form.get("remember") == "1",
            fresh=form.get("fresh", "1") == "1",
            force=form.get("force") == "1",
        )
        if not ok:
            return "refused", 403
        return redirect(get_next_url(url_for("whoami")))

    @app.route("/logout")
    def logout() -> str:
        logout_user()
        return "bye"

    @app.route("/whoami")
    def whoami() -> Any:
        return jsonify(
            id=current_user.get_id(),
            authenticated=current_user.is_authenticated,
            anonymous=current_user.is_anonymous,
            fresh=login_fresh(),
            remembered=login_remembered(),
        )

    @app.route("/protected")
    @login_required
    def protected() -> str:
        return f"hello {current_user.name}"

    @app.route("/fresh")
    @fresh_login_required
    def fresh() -> str:
        return f"fresh {current_user.name}"

    @app.route("/async")
    @login_required
    async def async_protected() -> str:
        await asyncio.sleep(0)
        return f"async {current_user.name}"

    @app.route("/async-fresh")
    @fresh_login_required
    async def async_fresh() -> str:
        await asyncio.sleep(0)
        return f"async fresh {current_user.name}"

    @app.route("/confirm")
    def confirm() -> str:
        confirm_login()
        return "confirmed"

    @app.route("/flashes")
    def flashes() -> Any:
        return jsonify(get_flashed_messages(with_categories=True))

    @app.route("/untouched")
    def untouched() -> str:
        return "no user needed"

    return app, manager, log


@pytest.fixture
def built() -> tuple[Erlen, LoginManager, LoaderLog]:
    return build_app()


@pytest.fixture
def app(built: tuple[Erlen, LoginManager, LoaderLog]) -> Erlen:
    return built[0]


@pytest.fixture
def manager(built: tuple[Erlen, LoginManager, LoaderLog]) -> LoginManager:
    return built[1]


@pytest.fixture
def loader_log(built: tuple[Erlen, LoginManager, LoaderLog]) -> LoaderLog:
    return built[2]


def log_in(client: ErlenClient, user_id: str = "1", **form: str) -> None:
    response = client.post("/login", data={"user_id": user_id, **form})
    assert response.status_code == 302, response.text


@pytest.fixture
def received() -> Iterator[Callable[..., list[tuple[str, Any, dict[str, Any]]]]]:
    """Connect recorders to signals; disconnected afterwards."""
    connected: list[tuple[Any, Any]] = []
    events: list[tuple[str, Any, dict[str, Any]]] = []

    def connect(*signals: Any) -> list[tuple[str, Any, dict[str, Any]]]:
        for signal in signals:

            def receiver(sender: Any, _name: str = signal.name, **kwargs: Any) -> None:
                events.append((_name, sender, kwargs))

            signal.connect(receiver, weak=False)
            connected.append((signal, receiver))
        return events

    yield connect
    for signal, receiver in connected:
        signal.disconnect(receiver)


# -- the brief's example (section 2.9.2), imports changed only --------------------


def test_brief_example_runs(protocol: str) -> None:
    from erlen import Erlen, redirect, url_for
    from erlen.ext.login import LoginManager, UserMixin, login_required, login_user, logout_user

    app = Erlen(__name__)
    app.secret_key = "your-secret-key"
    login_manager = LoginManager(app)

    class User(UserMixin):
        def __init__(self, id: Any) -> None:
            self.id = id

    @login_manager.user_loader
    def load_user(user_id: str) -> User:
        return User(user_id)

    @app.route("/login", methods=["POST"])
    def login() -> Any:
        user = User(1)  # 模拟用户
        login_user(user)
        return redirect(url_for("protected"))

    @app.route("/protected")
    @login_required  # 限制未登录用户访问
    def protected() -> str:
        return "Logged in!"

    @app.route("/logout")
    def logout() -> str:
        logout_user()
        return "Logged out!"

    with app.test_client(asgi=protocol == "asgi") as client:
        # No login_view: an anonymous visitor gets a 401.
        assert client.get("/protected").status_code == 401
        response = client.post("/login")
        assert response.status_code == 302
        assert response.headers["Location"] == "/protected"
        with client.session_transaction() as sess:
            assert sess["_user_id"] == "1"
            assert sess["_fresh"] is True
        response = client.get("/protected")
        assert (response.status_code, response.text) == (200, "Logged in!")
        response = client.get("/logout")
        assert (response.status_code, response.text) == (200, "Logged out!")
        assert client.get("/protected").status_code == 401


# -- current_user ------------------------------------------------------------------


def test_anonymous_by_default(client: ErlenClient) -> None:
    assert client.get("/whoami").json == {
        "id": None,
        "authenticated": False,
        "anonymous": True,
        "fresh": False,
        "remembered": False,
    }


def test_login_sets_session_keys(client: ErlenClient) -> None:
    log_in(client)
    assert client.get("/whoami").json == {
        "id": "1",
        "authenticated": True,
        "anonymous": False,
        "fresh": True,
        "remembered": False,
    }
    with client.session_transaction() as sess:
        assert sess["_user_id"] == "1"
        assert sess["_fresh"] is True
        assert sess["_id"] == session_identifier(
            "127.0.0.1", client.environ_base["HTTP_USER_AGENT"]
        )
        assert "_remember" not in sess


def test_custom_anonymous_user(app: Erlen, manager: LoginManager, client: ErlenClient) -> None:
    class Guest(AnonymousUserMixin):
        name = "guest"

    manager.anonymous_user = Guest

    @app.route("/name")
    def name() -> str:
        return f"{current_user.name} {type(current_user._get_current_object()).__name__}"

    assert client.get("/name").text == "guest Guest"


def test_current_user_outside_a_request_is_none(app: Erlen) -> None:
    assert current_user._get_current_object() is None
    with app.app_context():
        assert current_user._get_current_object() is None


def test_inactive_user_is_refused_unless_forced(client: ErlenClient) -> None:
    response = client.post("/login", data={"user_id": "2"})
    assert (response.status_code, response.text) == (403, "refused")
    assert client.get("/whoami").json["authenticated"] is False
    log_in(client, "2", force="1")
    # Logged in, but an inactive UserMixin is not authenticated.
    assert client.get("/whoami").json["id"] == "2"
    assert client.get("/protected").status_code == 401


def test_user_loaded_lazily_once_per_request(
    app: Erlen, client: ErlenClient, loader_log: LoaderLog
) -> None:
    @app.route("/many")
    def many() -> str:
        names = [current_user.name, current_user.name, current_user.get_id()]
        return ",".join(names)

    log_in(client)
    loader_log.calls.clear()
    assert client.get("/many").text == "alice,alice,1"
    assert loader_log.calls == ["1"]
    assert client.get("/untouched").text == "no user needed"
    assert loader_log.calls == ["1"]


def test_deleted_user_reads_as_anonymous(client: ErlenClient) -> None:
    log_in(client, "3")
    assert client.get("/protected").text == "hello carol"
    removed = USERS.pop("3")
    try:
        assert client.get("/protected").status_code == 401
        assert client.get("/whoami").json["authenticated"] is False
    finally:
        USERS["3"] = removed


def test_id_attribute_names_the_id_method(app: Erlen, manager: LoginManager) -> None:
    class TokenUser(User):
        def get_auth_token(self) -> str:
            return f"token-{self.id}"

    manager.id_attribute = "get_auth_token"
    with app.test_request_context("/"):
        assert login_user(TokenUser("9", "zed"))
        assert session["_user_id"] == "token-9"


def test_user_without_id_cannot_log_in(app: Erlen) -> None:
    with app.test_request_context("/"), pytest.raises(ValueError, match="returned None"):
        login_user(AnonymousUserMixin(), force=True)  # type: ignore[arg-type]


def test_missing_loader_is_a_clear_error() -> None:
    app = Erlen("no_loader")
    app.config.update(TESTING=True, SECRET_KEY="k")
    LoginManager(app)
    with (
        app.test_request_context("/"),
        pytest.raises(RuntimeError, match="no user_loader nor request_loader"),
    ):
        _ = current_user.is_authenticated


def test_missing_manager_is_a_clear_error() -> None:
    app = Erlen("no_manager")
    app.config.update(TESTING=True, SECRET_KEY="k")
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="No LoginManager"):
        login_user(USERS["1"])


def test_async_loaders_are_refused_at_registration(manager: LoginManager) -> None:
    async def load(user_id: str) -> None:
        return None

    with pytest.raises(TypeError, match="user_loader must be a plain function"):
        manager.user_loader(load)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="request_loader must be a plain function"):
        manager.request_loader(load)  # type: ignore[arg-type]


def test_manager_is_reachable_both_ways(app: Erlen, manager: LoginManager) -> None:
    assert app.extensions["login"] is manager
    assert app.login_manager is manager  # type: ignore[attr-defined]


def test_current_user_in_templates(app: Erlen, client: ErlenClient, loader_log: LoaderLog) -> None:
    @app.route("/page")
    def page() -> str:
        return render_template_string(
            "{% if current_user.is_authenticated %}Hi {{ current_user.name }}"
            "{% else %}Hi stranger{% endif %}"
        )

    @app.route("/plain-page")
    def plain_page() -> str:
        return render_template_string("nothing about users")

    assert client.get("/page").text == "Hi stranger"
    log_in(client)
    assert client.get("/page").text == "Hi alice"
    loader_log.calls.clear()
    assert client.get("/plain-page").text == "nothing about users"
    # A template that does not mention current_user does not load the user.
    assert loader_log.calls == []


def test_context_processor_can_be_left_out() -> None:
    app = Erlen("no_processor")
    app.config.update(TESTING=True, SECRET_KEY="k")
    manager = LoginManager()
    manager.init_app(app, add_context_processor=False)
    manager.user_loader(USERS.get)
    with app.test_request_context("/"):
        assert render_template_string("{{ current_user is defined }}") == "False"


# -- login_required and fresh_login_required ------------------------------------------


def test_login_required_without_login_view_is_401(client: ErlenClient) -> None:
    response = client.get("/protected")
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert client.get("/async").status_code == 401
    log_in(client)
    assert client.get("/protected").text == "hello alice"
    assert client.get("/async").text == "async alice"


def test_login_required_redirects_with_next(manager: LoginManager, client: ErlenClient) -> None:
    manager.login_view = "login"
    response = client.get("/protected")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fprotected"
    response = client.get("/async?tab=2&x=y")
    assert response.headers["Location"] == "/login?next=%2Fasync%3Ftab%3D2%26x%3Dy"
    assert client.get("/flashes").json == [
        ["message", "Please log in to access this page."],
        ["message", "Please log in to access this page."],
    ]


def test_login_round_trip_through_next(manager: LoginManager, client: ErlenClient) -> None:
    manager.login_view = "login"
    location = client.get("/protected?page=3").headers["Location"]
    response = client.post(location, data={"user_id": "1"})
    assert response.headers["Location"] == "/protected?page=3"
    assert client.get(response.headers["Location"]).text == "hello alice"


def test_login_message_category_and_localize(manager: LoginManager, client: ErlenClient) -> None:
    manager.login_view = "login"
    manager.login_message = "Sign in first."
    manager.login_message_category = "warning"
    manager.localize_callback = str.upper
    client.get("/protected")
    assert client.get("/flashes").json == [["warning", "SIGN IN FIRST."]]
    manager.login_message = None
    client.get("/protected")
    assert client.get("/flashes").json == []


def test_login_view_as_url(manager: LoginManager, client: ErlenClient) -> None:
    manager.login_view = "/auth/sign-in?lang=en"
    location = client.get("/protected?a=1").headers["Location"]
    assert location == "/auth/sign-in?lang=en&next=%2Fprotected%3Fa%3D1"
    # An external login service gets the whole URL to come back to.
    manager.login_view = "https://sso.example.com/login"
    location = client.get("/protected").headers["Location"]
    assert location == "https://sso.example.com/login?next=http%3A%2F%2Flocalhost%2Fprotected"


def test_blueprint_login_views(app: Erlen, manager: LoginManager, client: ErlenClient) -> None:
    admin = Blueprint("admin", __name__, url_prefix="/admin")
    reports = Blueprint("reports", __name__, url_prefix="/reports")
    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @admin.route("/login")
    def admin_login() -> str:
        return "admin login"

    @admin.route("/panel")
    @login_required
    def panel() -> str:
        return "panel"

    @reports.route("/r")
    @login_required
    def report() -> str:
        return "report"

    @shop.route("/cart")
    @login_required
    def cart() -> str:
        return "cart"

    admin.register_blueprint(reports)
    app.register_blueprint(admin)
    app.register_blueprint(shop)
    manager.login_view = "login"
    manager.blueprint_login_views = {"admin": "admin.admin_login", "shop": None}

    assert client.get("/admin/panel").headers["Location"] == "/admin/login?next=%2Fadmin%2Fpanel"
    # A nested blueprint without a view of its own uses its parent's.
    location = client.get("/admin/reports/r").headers["Location"]
    assert location == "/admin/login?next=%2Fadmin%2Freports%2Fr"
    # A None value falls back to login_view, as do views outside blueprints.
    assert client.get("/shop/cart").headers["Location"] == "/login?next=%2Fshop%2Fcart"
    assert client.get("/protected").headers["Location"] == "/login?next=%2Fprotected"


def test_set_login_view(app: Erlen, manager: LoginManager, client: ErlenClient) -> None:
    bp = Blueprint("members", __name__, url_prefix="/members")

    @bp.route("/login")
    def members_login() -> str:
        return "members login"

    @bp.route("/home")
    @login_required
    def home() -> str:
        return "home"

    app.register_blueprint(bp)
    with app.app_context():
        set_login_view("login")
        assert manager.login_view == "login"
        set_login_view("members.members_login", blueprint=bp)
    assert manager.login_view is None
    assert manager.blueprint_login_views == {None: "login", "members": "members.members_login"}
    assert (
        client.get("/members/home").headers["Location"] == "/members/login?next=%2Fmembers%2Fhome"
    )
    assert client.get("/protected").headers["Location"] == "/login?next=%2Fprotected"


def test_unauthorized_handler(manager: LoginManager, client: ErlenClient) -> None:
    @manager.unauthorized_handler
    def handle() -> Any:
        return jsonify(error="login needed", path=request.path), 403

    for path in ("/protected", "/async"):
        response = client.get(path)
        assert response.status_code == 403
        assert response.json == {"error": "login needed", "path": path}


def test_async_unauthorized_handler(manager: LoginManager, client: ErlenClient) -> None:
    @manager.unauthorized_handler
    async def handle() -> Any:
        await asyncio.sleep(0)
        return f"go away from {request.path}", 418

    for path in ("/protected", "/async"):
        response = client.get(path)
        assert (response.status_code, response.text) == (418, f"go away from {path}")


def test_options_is_exempt(app: Erlen, client: ErlenClient) -> None:
    @app.route("/api", methods=["GET", "OPTIONS", "DELETE"])
    @login_required
    def api() -> str:
        return f"{request.method} ran"

    assert client.options("/api").text == "OPTIONS ran"
    assert client.get("/api").status_code == 401
    EXEMPT_METHODS.add("DELETE")
    try:
        assert client.delete("/api").text == "DELETE ran"
    finally:
        EXEMPT_METHODS.discard("DELETE")
    assert client.delete("/api").status_code == 401


def test_login_disabled_lets_anonymous_through(app: Erlen, client: ErlenClient) -> None:
    @app.route("/open")
    @login_required
    def open_view() -> str:
        return f"anonymous={current_user.is_anonymous}"

    @app.route("/open-async")
    @fresh_login_required
    async def open_async() -> str:
        return f"anonymous={current_user.is_anonymous}"

    assert client.get("/open").status_code == 401
    app.config["LOGIN_DISABLED"] = True
    assert client.get("/open").text == "anonymous=True"
    assert client.get("/open-async").text == "anonymous=True"


def test_method_view_decorators(app: Erlen, client: ErlenClient) -> None:
    class Profile(MethodView):
        decorators = [login_required]

        def get(self) -> str:
            return f"profile of {current_user.name}"

    class AsyncProfile(MethodView):
        decorators = [fresh_login_required]

        async def get(self) -> str:
            await asyncio.sleep(0)
            return f"async profile of {current_user.name}"

        def post(self) -> str:
            return "posted"

    app.add_url_rule("/profile", view_func=Profile.as_view("profile"))
    app.add_url_rule("/aprofile", view_func=AsyncProfile.as_view("aprofile"))
    assert client.get("/profile").status_code == 401
    assert client.get("/aprofile").status_code == 401
    assert client.post("/aprofile").status_code == 401
    log_in(client)
    assert client.get("/profile").text == "profile of alice"
    assert client.get("/aprofile").text == "async profile of alice"
    assert client.post("/aprofile").text == "posted"


def test_decorators_keep_the_view(app: Erlen) -> None:
    async def view_a() -> str:
        """Doc of a."""
        return "a"

    def view_b() -> str:
        return "b"

    guarded_a = login_required(view_a)
    guarded_b = fresh_login_required(view_b)
    assert guarded_a.__name__ == "view_a"
    assert guarded_a.__doc__ == "Doc of a."
    assert asyncio.iscoroutinefunction(guarded_a)
    assert not asyncio.iscoroutinefunction(guarded_b)
    assert guarded_b.__wrapped__ is view_b  # type: ignore[attr-defined]


def test_fresh_login_required(manager: LoginManager, client: ErlenClient) -> None:
    assert client.get("/fresh").status_code == 401
    log_in(client, fresh="0")
    assert client.get("/protected").text == "hello alice"
    # Logged in but not fresh, no refresh_view: 401.
    assert client.get("/fresh").status_code == 401
    assert client.get("/async-fresh").status_code == 401
    manager.refresh_view = "login"
    response = client.get("/fresh?x=1")
    assert response.headers["Location"] == "/login?next=%2Ffresh%3Fx%3D1"
    assert client.get("/flashes").json == [
        ["message", "Please reauthenticate to access this page."]
    ]
    assert client.get("/confirm").text == "confirmed"
    assert client.get("/fresh").text == "fresh alice"
    assert client.get("/async-fresh").text == "async fresh alice"


def test_fresh_login_redirects_anonymous_to_login_view(
    manager: LoginManager, client: ErlenClient
) -> None:
    manager.login_view = "login"
    manager.refresh_view = "confirm"
    assert client.get("/fresh").headers["Location"] == "/login?next=%2Ffresh"


def test_needs_refresh_message_and_handler(manager: LoginManager, client: ErlenClient) -> None:
    manager.refresh_view = "login"
    manager.needs_refresh_message = "Again, please."
    manager.needs_refresh_message_category = "info"
    log_in(client, fresh="0")
    client.get("/fresh")
    assert client.get("/flashes").json == [["info", "Again, please."]]

    @manager.needs_refresh_handler
    async def refresh() -> Any:
        return "stale login", 401

    for path in ("/fresh", "/async-fresh"):
        response = client.get(path)
        assert (response.status_code, response.text) == (401, "stale login")


# -- loaders -------------------------------------------------------------------------


def test_request_loader(
    app: Erlen, manager: LoginManager, client: ErlenClient, received: Callable[..., Any]
) -> None:
    calls: list[str | None] = []

    @manager.request_loader
    def from_api_key(req: Any) -> User | None:
        key = req.headers.get("X-Api-Key")
        calls.append(key)
        return USERS["3"] if key == "secret-3" else None

    events = received(user_loaded_from_request)
    response = client.get("/protected", headers={"X-Api-Key": "secret-3"})
    assert response.text == "hello carol"
    assert events == [("loaded-from-request", app, {"user": USERS["3"]})]
    assert client.get("/protected", headers={"X-Api-Key": "wrong"}).status_code == 401
    # Not stored in the session: the next request without the key is anonymous.
    assert client.get("/protected").status_code == 401
    # A session login comes first; the request loader is not asked.
    log_in(client)
    calls.clear()
    assert client.get("/protected", headers={"X-Api-Key": "secret-3"}).text == "hello alice"
    assert calls == []


def test_request_loader_alone() -> None:
    app = Erlen("token_only")
    app.config.update(TESTING=True, SECRET_KEY="k")
    manager = LoginManager(app)
    manager.request_loader(lambda req: USERS["1"] if req.args.get("token") == "t" else None)

    @app.route("/me")
    @login_required
    def me() -> str:
        return current_user.name  # type: ignore[no-any-return]

    for asgi in (False, True):
        client = app.test_client(asgi=asgi)
        assert client.get("/me?token=t").text == "alice"
        assert client.get("/me").status_code == 401
        client.close()


# -- signals ----------------------------------------------------------------------------


def test_login_and_logout_signals(
    app: Erlen, client: ErlenClient, received: Callable[..., Any]
) -> None:
    events = received(user_logged_in, user_logged_out, user_login_confirmed)
    log_in(client)
    client.get("/confirm")
    client.get("/logout")
    assert events == [
        ("logged-in", app, {"user": USERS["1"]}),
        ("login-confirmed", app, {}),
        ("logged-out", app, {"user": USERS["1"]}),
    ]


def test_unauthorized_refresh_and_accessed_signals(
    app: Erlen, manager: LoginManager, client: ErlenClient, received: Callable[..., Any]
) -> None:
    events = received(user_unauthorized, user_needs_refresh, user_accessed)
    client.get("/protected")
    assert [name for name, _, _ in events] == ["accessed", "unauthorized"]
    events.clear()
    log_in(client, fresh="0")
    events.clear()
    client.get("/fresh")
    assert [name for name, _, _ in events] == ["accessed", "needs-refresh"]
    assert all(sender is app for _, sender, _ in events)
    events.clear()
    client.get("/untouched")
    assert events == []


# -- next and open redirects ----------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "/\t/evil.example/",
        "/\n/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "evil.example",
        " /x",
    ],
)
def test_next_cannot_leave_the_site(client: ErlenClient, target: str) -> None:
    response = client.post("/login", query_string={"next": target}, data={"user_id": "1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/whoami"
    response = client.post("/login", data={"user_id": "1", "next": target})
    assert response.headers["Location"] == "/whoami"


@pytest.mark.parametrize("target", ["/protected", "/protected?a=1&b=2", "/caf%C3%A9", "/%2F%2Fx"])
def test_next_on_the_site_is_followed(client: ErlenClient, target: str) -> None:
    response = client.post("/login", query_string={"next": target}, data={"user_id": "1"})
    assert response.headers["Location"] == target
    response = client.post("/login", data={"user_id": "1", "next": target})
    assert response.headers["Location"] == target


def test_next_from_a_path_starting_with_two_slashes_stays_relative(app: Erlen) -> None:
    with app.test_request_context("/"):
        assert login_url("/login", "http://localhost//evil.example/x") == (
            "/login?next=%2F%252Fevil.example%2Fx"
        )


def test_use_session_for_next(app: Erlen, manager: LoginManager, client: ErlenClient) -> None:
    app.config["USE_SESSION_FOR_NEXT"] = True
    manager.login_view = "login"
    response = client.get("/protected?page=2")
    assert response.headers["Location"] == "/login"
    with client.session_transaction() as sess:
        assert sess["next"] == "/protected?page=2"
        assert sess["_id"] == session_identifier(
            "127.0.0.1", client.environ_base["HTTP_USER_AGENT"]
        )
    response = client.post("/login", data={"user_id": "1"})
    assert response.headers["Location"] == "/protected?page=2"
    with client.session_transaction() as sess:
        assert "next" not in sess
    # Used once: the next login goes to the default.
    assert client.post("/login", data={"user_id": "1"}).headers["Location"] == "/whoami"


def test_use_session_for_next_refuses_unsafe_values(app: Erlen, client: ErlenClient) -> None:
    app.config["USE_SESSION_FOR_NEXT"] = True
    with client.session_transaction() as sess:
        sess["next"] = "https://evil.example/"
    assert client.post("/login", data={"user_id": "1"}).headers["Location"] == "/whoami"


def test_login_url_helper(app: Erlen) -> None:
    with app.test_request_context("/"):
        assert login_url("login") == "/login"
        assert login_url("login", next_url="/a?b=1") == "/login?next=%2Fa%3Fb%3D1"
        assert login_url("login", "/x", next_field="return_to") == "/login?return_to=%2Fx"
        assert login_url("/in?x=1&x=2", "/y") == "/in?x=1&x=2&next=%2Fy"
        app.config["FORCE_HOST_FOR_REDIRECTS"] = "accounts.example.com"
        assert login_url("https://sso.example.com/in", "/y") == (
            "https://accounts.example.com/in?next=%2Fy"
        )


def test_get_next_url_default(app: Erlen) -> None:
    with app.test_request_context("/login?next=//evil.example"):
        assert get_next_url() is None
        assert get_next_url("/home") == "/home"
    with app.test_request_context("/login?next=/account"):
        assert get_next_url("/home") == "/account"


# -- async login views, direct calls, several apps -------------------------------------


def test_async_login_and_logout_views(app: Erlen, client: ErlenClient) -> None:
    @app.post("/alogin")
    async def alogin() -> str:
        await asyncio.sleep(0)
        assert login_user(USERS["3"], remember=True)
        return f"in as {current_user.name}"

    @app.route("/alogout")
    async def alogout() -> str:
        await asyncio.sleep(0)
        logout_user()
        return f"anonymous={current_user.is_anonymous}"

    response = client.post("/alogin")
    assert response.text == "in as carol"
    assert any(h.startswith("remember_token=3|") for h in response.headers.getlist("Set-Cookie"))
    assert client.get("/async").text == "async carol"
    response = client.get("/alogout")
    assert response.text == "anonymous=True"
    assert any(h.startswith("remember_token=;") for h in response.headers.getlist("Set-Cookie"))
    assert client.get("/async").status_code == 401


def test_views_may_call_unauthorized_themselves(
    app: Erlen, manager: LoginManager, client: ErlenClient
) -> None:
    @app.route("/admin-only")
    def admin_only() -> Any:
        if current_user.get_id() != "3":
            return manager.unauthorized()
        return "admin"

    assert client.get("/admin-only").status_code == 401
    manager.login_view = "login"
    log_in(client, "1")
    assert client.get("/admin-only").headers["Location"] == "/login?next=%2Fadmin-only"
    log_in(client, "3")
    assert client.get("/admin-only").text == "admin"


def test_one_manager_serves_several_apps(protocol: str) -> None:
    manager = LoginManager()
    manager.user_loader(USERS.get)
    apps = []
    for name in ("first", "second"):
        app = Erlen(name)
        app.config.update(TESTING=True, SECRET_KEY=f"{name} key", REMEMBER_COOKIE_NAME=name)
        manager.init_app(app)

        @app.post("/login")
        def login() -> str:
            login_user(USERS["1"], remember=True)
            return "in"

        @app.route("/me")
        @login_required
        def me() -> str:
            return f"{current_user.name}"

        apps.append(app)
    first, second = (app.test_client(asgi=protocol == "asgi") for app in apps)
    response = first.post("/login")
    assert "first" in {h.split("=")[0] for h in response.headers.getlist("Set-Cookie")}
    assert first.get("/me").text == "alice"
    assert second.get("/me").status_code == 401
    # A cookie of the first app (its own key) logs nobody into the second.
    cookie = first.get_cookie("first")
    assert cookie is not None
    second.set_cookie("second", cookie.value)
    assert second.get("/me").status_code == 401
    first.close()
    second.close()


def test_module_docstring_example_runs(protocol: str) -> None:
    import textwrap

    import erlen.ext.login as module

    assert module.__doc__ is not None
    source = module.__doc__.split("::\n", 1)[1].split("\nFlask-Login 0.6.3", 1)[0]
    namespace: dict[str, Any] = {"__name__": "docstring_example"}
    exec(compile(textwrap.dedent(source), "<erlen.ext.login docstring>", "exec"), namespace)
    example: Erlen = namespace["app"]
    with example.test_client(asgi=protocol == "asgi") as client:
        response = client.get("/protected")
        assert response.headers["Location"] == "/login?next=%2Fprotected"
        response = client.post(response.headers["Location"])
        assert response.headers["Location"] == "/protected"
        assert any(
            h.startswith("remember_token=1|") for h in response.headers.getlist("Set-Cookie")
        )
        assert client.get("/protected").text == "Logged in!"


def test_an_outer_app_context_does_not_leak_the_user(app: Erlen, protocol: str) -> None:
    # Requests reuse an app context that is already pushed, and so share g.
    with app.app_context():
        first = app.test_client(asgi=protocol == "asgi")
        log_in(first, "1", remember="1")
        assert first.get("/whoami").json["id"] == "1"
        second = app.test_client(asgi=protocol == "asgi")
        assert second.get("/whoami").json["id"] is None
        log_in(second, "3", remember="1")
        assert second.get_cookie("remember_token") is not None
        assert second.get("/protected").text == "hello carol"
        assert first.get("/protected").text == "hello alice"
        # Each logout clears its own client's cookie.
        for client in (first, second):
            response = client.get("/logout")
            assert any(
                h.startswith("remember_token=;") for h in response.headers.getlist("Set-Cookie")
            )
            client.close()


def test_a_user_set_on_g_by_hand_is_kept(app: Erlen) -> None:
    with app.test_request_context("/"):
        from erlen import g

        g._login_user = USERS["3"]
        assert current_user.name == "carol"
