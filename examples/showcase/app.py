"""The erlen showcase: a small app that tours erlen and its batteries the way
the brief's examples use them.

- pages, a blueprint, templates, flash messages, a file download, static
  files and error pages (erlen itself);
- users and guestbook entries in SQLite (``erlen.ext.sqlalchemy``);
- log in and out (``erlen.ext.login``) with a CSRF-protected form
  (``erlen.ext.forms``);
- ``/admin`` for admins (``erlen.ext.admin``);
- a JSON API under ``/api`` (``erlen.ext.rest``) with tokens
  (``erlen.ext.jwt``) and CORS on ``/api/*`` only (``erlen.ext.cors``);
- sessions in Redis when ``SHOWCASE_SESSION_REDIS`` is set
  (``erlen.ext.session``), otherwise erlen's encrypted cookie.

Serve it with ``bash scripts/demo``, or::

    erlen --app examples/showcase/app.py run --debug          # WSGI dev server
    uvicorn --factory examples.showcase.app:create_app        # ASGI
"""

from __future__ import annotations

import os
from typing import Any

import click

from erlen import (
    Erlen,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from erlen.ext.cors import CORS
from erlen.ext.forms import CSRFError, CSRFProtect
from erlen.ext.jwt import JWTManager
from erlen.ext.login import current_user, login_required
from erlen.http.exceptions import HTTPException

from .admin import create_admin
from .api import create_api_blueprint
from .auth import bp as auth_bp
from .auth import login_manager
from .forms import GuestbookForm
from .models import Entry, User, create_tables_and_seed, db

HERE = os.path.dirname(os.path.abspath(__file__))


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Erlen:
    """Build the showcase app.

    ``test_config`` overrides the configuration; ``instance_path`` is the
    folder of the SQLite file (default: ``examples/showcase/instance``, the
    same whichever way the app is imported).
    """
    app = Erlen(__name__, instance_path=instance_path or os.path.join(HERE, "instance"))
    app.config.update(
        # Demo only: a real deployment sets ERLEN_SECRET_KEY to a long random value.
        SECRET_KEY="showcase-development-key-change-me",
        # A relative SQLite path lives in the instance folder (created if missing).
        SQLALCHEMY_DATABASE_URI="sqlite:///showcase.db",
        SHOWCASE_SESSION_REDIS=os.environ.get("SHOWCASE_SESSION_REDIS") or None,
        # One error shape for the whole API: the REST resources answer
        # {"message": ...}, so the token errors do too (the default key is "msg").
        JWT_ERROR_MESSAGE_KEY="message",
    )
    app.config.from_prefixed_env()
    if test_config:
        app.config.update(test_config)

    db.init_app(app)
    with app.app_context():
        create_tables_and_seed()

    redis_url = app.config["SHOWCASE_SESSION_REDIS"]
    if redis_url:
        from erlen.ext.session import Session

        app.config.setdefault("SESSION_TYPE", "redis")
        app.config.setdefault("SESSION_REDIS", redis_url)
        app.config.setdefault("SESSION_KEY_PREFIX", "showcase:session:")
        Session(app)

    login_manager.init_app(app)
    csrf = CSRFProtect(app)
    JWTManager(app)

    api_bp = create_api_blueprint()
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    # COMPAT(flask): the Flask-CORS way to open only the API to other origins;
    # the pages get no Access-Control-* headers.
    CORS(app, resources={r"/api/*": {"origins": "*"}})

    app.register_blueprint(auth_bp)
    create_admin(app, csrf)
    register_pages(app)
    register_error_pages(app)
    register_commands(app)
    return app


def register_pages(app: Erlen) -> None:
    files_dir = os.path.join(app.root_path, "files")

    @app.context_processor
    def showcase_context() -> dict[str, Any]:
        store = "Redis" if app.config["SHOWCASE_SESSION_REDIS"] else "an encrypted cookie"
        return {"session_store": store}

    @app.route("/")
    def index() -> Any:
        count = db.session.scalar(db.select(db.func.count()).select_from(Entry))
        return render_template("index.html", entry_count=count)

    @app.route("/guestbook", methods=["GET", "POST"])
    def guestbook() -> Any:
        form = GuestbookForm()
        if form.validate_on_submit():
            author = current_user.username if current_user.is_authenticated else "anonymous"
            db.session.add(Entry(author=author, message=form.message.data))
            db.session.commit()
            flash("Thanks for signing the guestbook!", "success")
            return redirect(url_for("guestbook"))
        entries = db.session.scalars(db.select(Entry).order_by(Entry.id.desc())).all()
        status = 400 if form.errors else 200
        return render_template("guestbook.html", form=form, entries=entries), status

    @app.route("/profile")
    @login_required
    async def profile() -> Any:
        # An async view behind @login_required: awaited natively under ASGI,
        # run to completion under WSGI.
        entries = db.session.scalars(
            db.select(Entry).filter_by(author=current_user.username).order_by(Entry.id)
        ).all()
        return render_template("profile.html", user=current_user, entries=entries)

    @app.get("/download/<path:filename>")
    def download(filename: str) -> Any:
        return send_from_directory(files_dir, filename, as_attachment=True)


def register_error_pages(app: Erlen) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return render_template("errors/400.html", reason=error.description), 400

    @app.errorhandler(403)
    def forbidden(error: HTTPException) -> Any:
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> Any:
        # The API's own resources answer their 404s as JSON already; this is
        # for /api/ URLs that match no resource at all.
        if request.path.startswith("/api/"):
            return {"message": "Not found."}, 404
        return render_template("errors/404.html", path=request.path), 404

    @app.errorhandler(500)
    def server_error(error: Exception) -> Any:
        return render_template("errors/500.html"), 500


def register_commands(app: Erlen) -> None:
    @app.cli.command("list-users")
    def list_users() -> None:
        """List the accounts (admins marked with *)."""
        for user in db.session.scalars(db.select(User).order_by(User.username)):
            click.echo(f"{user.username}{' *' if user.is_admin else ''}")

    @app.cli.command("add-user")
    @click.argument("username")
    @click.option("--admin", is_flag=True, help="May use /admin.")
    @click.password_option()
    def add_user(username: str, admin: bool, password: str) -> None:
        """Create an account."""
        if db.session.scalar(db.select(User).filter_by(username=username)) is not None:
            raise click.ClickException(f"The user {username!r} exists already.")
        user = User(username=username, is_admin=admin)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"Created {username}{' (admin)' if admin else ''}.")
