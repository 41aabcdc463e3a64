"""The ``auth`` blueprint: log in and out with ``erlen.ext.login`` (Flask-Login's
API, the brief's §2.9.2) and a CSRF-protected ``LoginForm``."""

from __future__ import annotations

from typing import Any

from erlen import Blueprint, flash, redirect, render_template, url_for
from erlen.ext.login import LoginManager, get_next_url, login_user, logout_user

from .forms import LoginForm
from .models import User, authenticate, db

bp = Blueprint("auth", __name__, url_prefix="/auth")

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "error"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user, from the id the session (or remember-me cookie) holds."""
    try:
        key = int(user_id)
    except ValueError:
        return None
    user: User | None = db.session.get(User, key)
    return user


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the login form; on a valid POST, check the password and log the user in."""
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(f"Welcome back, {user.username}!", "success")
            # SECURITY: get_next_url follows only paths on this site, so the
            # login form is not an open redirect ("//evil.example" is refused).
            return redirect(get_next_url() or url_for("index"))
        flash("Invalid username or password.", "error")
        return render_template("auth/login.html", form=form), 401
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> Any:
    """Forget the user and go back home (a POST with the CSRF token, so another
    site cannot log the user out)."""
    logout_user()
    flash("You have been logged out.", "success")
    return redirect(url_for("index"))
