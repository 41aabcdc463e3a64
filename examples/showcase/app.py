"""The erlen showcase app: pages, a blueprint, templates, forms, sessions,
flash messages, a JSON API, a file download, static files and error pages.

Serve it with ``bash scripts/demo``, or::

    erlen --app examples/showcase/app.py run --debug
"""

from __future__ import annotations

import os
from typing import Any

import click

from erlen import (
    Erlen,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from erlen.http.exceptions import HTTPException

from .auth import USERS, login_required
from .auth import bp as auth_bp

MAX_MESSAGE = 500


def create_app(test_config: dict[str, Any] | None = None) -> Erlen:
    """Build the showcase app; ``test_config`` overrides the configuration."""
    app = Erlen(__name__)
    # Demo only: a real deployment sets ERLEN_SECRET_KEY to a long random value.
    app.config["SECRET_KEY"] = "showcase-development-key-change-me"
    app.config.from_prefixed_env()
    if test_config:
        app.config.update(test_config)

    entries: list[dict[str, Any]] = [
        {"id": 1, "author": "grace", "message": "Hello from the guestbook!"},
    ]
    app.extensions["showcase.entries"] = entries
    files_dir = os.path.join(app.root_path, "files")

    app.register_blueprint(auth_bp)

    def add_entry(author: str, message: str) -> dict[str, Any]:
        entry = {"id": len(entries) + 1, "author": author, "message": message}
        entries.append(entry)
        return entry

    @app.route("/")
    def index() -> Any:
        return render_template("index.html", entry_count=len(entries))

    @app.route("/guestbook", methods=["GET", "POST"])
    def guestbook() -> Any:
        error = None
        message = ""
        if request.method == "POST":
            message = request.form.get("message", "").strip()
            if not message:
                error = "Write a message first."
            elif len(message) > MAX_MESSAGE:
                error = f"Keep it under {MAX_MESSAGE} characters."
            else:
                add_entry(session.get("user", "anonymous"), message)
                flash("Thanks for signing the guestbook!", "success")
                return redirect(url_for("guestbook"))
        status = 400 if error else 200
        return render_template(
            "guestbook.html", entries=entries, error=error, message=message
        ), status

    @app.route("/profile")
    @login_required
    def profile() -> Any:
        user = session["user"]
        mine = [e for e in entries if e["author"] == user]
        return render_template("profile.html", user=user, entries=mine)

    @app.get("/api/status")
    def api_status() -> Any:
        return {"status": "ok", "user": session.get("user"), "entries": len(entries)}

    @app.get("/api/entries")
    def api_entries() -> Any:
        return jsonify(entries=entries)

    @app.post("/api/entries")
    def api_add_entry() -> Any:
        data = request.get_json()
        if not isinstance(data, dict) or not isinstance(data.get("message"), str):
            return {"error": "Send a JSON object with a 'message' string."}, 400
        message = data["message"].strip()
        if not message or len(message) > MAX_MESSAGE:
            return {"error": f"The message must have 1 to {MAX_MESSAGE} characters."}, 400
        entry = add_entry(session.get("user", "api"), message)
        return entry, 201, {"Location": url_for("api_entry", entry_id=entry["id"])}

    @app.get("/api/entries/<int:entry_id>")
    def api_entry(entry_id: int) -> Any:
        for entry in entries:
            if entry["id"] == entry_id:
                return entry
        abort(404)

    @app.get("/download/<path:filename>")
    def download(filename: str) -> Any:
        return send_from_directory(files_dir, filename, as_attachment=True)

    @app.errorhandler(400)
    def bad_request(error: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            return {"error": error.description}, 400
        return error

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            return {"error": "Not found."}, 404
        return render_template("errors/404.html", path=request.path), 404

    @app.errorhandler(500)
    def server_error(error: Exception) -> Any:
        return render_template("errors/500.html"), 500

    @app.shell_context_processor
    def shell_context() -> dict[str, Any]:
        return {"entries": entries, "users": USERS}

    @app.cli.command("list-users")
    def list_users() -> None:
        """List the demo accounts."""
        for name in sorted(USERS):
            click.echo(name)

    return app


app = create_app()
