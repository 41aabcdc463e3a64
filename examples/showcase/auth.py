"""The ``auth`` blueprint: log in and out with the session, and ``login_required``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from erlen import Blueprint, flash, redirect, render_template, request, session, url_for
from erlen.http.security import check_password_hash, generate_password_hash

bp = Blueprint("auth", __name__, url_prefix="/auth")

F = TypeVar("F", bound=Callable[..., Any])

#: The demo accounts; a real app keeps these in a database.
USERS = {
    "ada": generate_password_hash("lovelace"),
    "grace": generate_password_hash("hopper"),
}


def login_required(view: F) -> F:
    """Send visitors who are not logged in to the login page first."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if "user" not in session:
            flash("Please log in to see that page.", "error")
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _safe_next(target: str | None) -> str:
    # SECURITY: only local paths, so the login form is not an open redirect
    # ("//evil.example" is a URL to another host).
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the login form; on POST, check the password and remember the user."""
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        pwhash = USERS.get(username)
        if pwhash is not None and check_password_hash(pwhash, password):
            session.clear()
            session["user"] = username
            flash(f"Welcome back, {username}!", "success")
            return redirect(_safe_next(request.args.get("next")))
        flash("Invalid username or password.", "error")
        return render_template("auth/login.html", username=username), 401
    return render_template("auth/login.html", username="")


@bp.post("/logout")
def logout() -> Any:
    """Forget the user and go back home."""
    session.pop("user", None)
    flash("You have been logged out.", "success")
    return redirect(url_for("index"))
