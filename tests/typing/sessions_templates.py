"""Login with the session, flashed messages, ``g``, templates and signals."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, assert_type

from jinja2 import Template

from erlen import (
    Erlen,
    Markup,
    Response,
    current_app,
    escape,
    flash,
    g,
    get_flashed_messages,
    message_flashed,
    redirect,
    render_template,
    render_template_string,
    request,
    request_finished,
    session,
    signals,
    template_rendered,
    url_for,
)
from erlen.sessions import SessionMixin

P = ParamSpec("P")
R = TypeVar("R")

app = Erlen(__name__)
app.secret_key = "change me"


@dataclass
class User:
    id: int
    name: str
    email: str


USERS = {1: User(1, "ada", "ada@example.com")}


def login_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Send anonymous users to the login page."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if g.user is None:
            return redirect(url_for("login", next=request.path))
        return view(*args, **kwargs)

    return wrapper


@app.before_request
def load_user() -> None:
    user_id = session.get("user_id")
    g.user = USERS.get(user_id) if isinstance(user_id, int) else None


@app.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if request.method == "POST":
        session.clear()
        session["user_id"] = 1
        session["username"] = request.form.get("username", "ada")
        session.permanent = True
        flash("Welcome back!", "success")
        return redirect(url_for("profile"))
    return render_template("login.html", next=request.args.get("next"))


@app.route("/profile")
@login_required
def profile() -> str:
    user: User = g.user
    visits = session.setdefault("visits", 0)
    session["visits"] = visits + 1
    session.modified = True
    return render_template_string(
        "{% for category, message in get_flashed_messages(with_categories=true) %}"
        "<p class={{ category }}>{{ message }}</p>{% endfor %}Hello {{ name }}",
        name=user.name,
    )


@app.route("/logout")
def logout() -> Response:
    session.pop("user_id", None)
    session.clear()
    flash("Logged out.")
    return redirect(url_for("login"))


@app.route("/messages")
def messages() -> dict[str, Any]:
    plain = get_flashed_messages()
    paired = get_flashed_messages(with_categories=True)
    errors = get_flashed_messages(category_filter=["error"])
    assert_type(plain, list[str])
    assert_type(paired, list[tuple[str, str]])
    assert_type(errors, list[str])
    return {"plain": plain, "paired": [list(p) for p in paired], "errors": errors}


@app.route("/safe")
def safe() -> str:
    user_input = request.args.get("q", "<script>alert('XSS')</script>")
    escaped = escape(user_input)
    trusted = Markup("<strong>{}</strong>").format(user_input)
    assert_type(escaped, Markup)
    assert_type(trusted, Markup)
    return render_template("page.html", escaped=escaped, trusted=trusted)


@app.template_global()
def site_name() -> str:
    return str(current_app.config.get("SITE_NAME", "erlen"))


def whoami(sess: SessionMixin) -> str:
    name = sess.get("username")
    return name if isinstance(name, str) else "anonymous"


# Signals: receivers take the sender first, the signal's arguments as keywords.
def log_request(sender: Erlen, response: Response, **extra: Any) -> None:
    sender.logger.info("finished with %s", response.status_code)


def track_template(
    sender: Erlen, template: Template, context: dict[str, Any], **extra: Any
) -> None:
    sender.logger.debug("rendered %s", template.name)


def log_flash(sender: Erlen, message: str, category: str, **extra: Any) -> None:
    sender.logger.debug("flashed %s (%s)", message, category)


request_finished.connect(log_request, app)
template_rendered.connect(track_template, app)
message_flashed.connect(log_flash, app)

user_registered = signals.signal("user-registered")


@user_registered.connect_via(app)
def send_welcome_email(sender: Erlen, user: User, **extra: Any) -> None:
    sender.logger.info("welcome mail to %s", user.email)


def register(name: str, email: str) -> User:
    user = User(len(USERS) + 1, name, email)
    USERS[user.id] = user
    results = user_registered.send(app, user=user)
    assert_type(results, list[tuple[Callable[..., Any], Any]])
    return user
