"""The JSON API under ``/api``: resources and ``reqparse`` from ``erlen.ext.rest``
(Flask-RESTful's API, the brief's §2.9.4), tokens from ``erlen.ext.jwt``
(Flask-JWT-Extended's API, §2.11.3).

``POST /api/token`` trades a username and password for an access token;
``POST /api/entries`` and ``GET /api/me`` need it in ``Authorization: Bearer``.
The API reads no session for writes, so it is exempt from the forms' CSRF
check: a token in a header is something another site cannot make a browser send.
"""

from __future__ import annotations

from typing import Any

from erlen import Blueprint, url_for
from erlen.ext.jwt import create_access_token, get_jwt_identity, jwt_required
from erlen.ext.login import current_user
from erlen.ext.rest import Api, Resource, abort, reqparse

from .models import MAX_MESSAGE, Entry, authenticate, db, find_user


def message_text(value: Any) -> str:
    """A reqparse type: a message of 1 to ``MAX_MESSAGE`` characters, stripped."""
    if not isinstance(value, str):
        raise ValueError("The message must be a string.")
    text = value.strip()
    if not 1 <= len(text) <= MAX_MESSAGE:
        raise ValueError(f"The message must have 1 to {MAX_MESSAGE} characters.")
    return text


entry_parser = reqparse.RequestParser()
entry_parser.add_argument("message", type=message_text, required=True, nullable=False)

# SECURITY: credentials come from the body only, never the query string
# (which ends up in server logs and browser history).
token_parser = reqparse.RequestParser()
token_parser.add_argument("username", required=True, location=("json", "form"))
token_parser.add_argument("password", required=True, location=("json", "form"))


class Status(Resource):
    """``GET /api/status``: is the API up, who is logged in (session), how many entries."""

    def get(self) -> Any:
        user = current_user.username if current_user.is_authenticated else None
        count = db.session.scalar(db.select(db.func.count()).select_from(Entry))
        return {"status": "ok", "user": user, "entries": count}


class EntryList(Resource):
    """``GET /api/entries`` lists the guestbook; ``POST`` adds to it (token needed)."""

    method_decorators = {"post": [jwt_required()]}

    def get(self) -> Any:
        entries = db.session.scalars(db.select(Entry).order_by(Entry.id))
        return {"entries": [entry.to_dict() for entry in entries]}

    def post(self) -> Any:
        args = entry_parser.parse_args()
        entry = Entry(author=get_jwt_identity(), message=args["message"])
        db.session.add(entry)
        db.session.commit()
        location = url_for("api.entry", entry_id=entry.id)
        return entry.to_dict(), 201, {"Location": location}


class EntryItem(Resource):
    """``GET /api/entries/<id>``: one entry, or 404 with a JSON message."""

    def get(self, entry_id: int) -> Any:
        entry = db.session.get(Entry, entry_id)
        if entry is None:
            abort(404, message=f"Entry {entry_id} does not exist.")
        return entry.to_dict()


class Token(Resource):
    """``POST /api/token`` with ``username`` and ``password``: an access token."""

    def post(self) -> Any:
        args = token_parser.parse_args()
        user = authenticate(args["username"], args["password"])
        if user is None:
            abort(401, message="Bad username or password.")
        return {"access_token": create_access_token(identity=user.username)}


class Me(Resource):
    """``GET /api/me``: the token's user (an ``async def`` method: it runs on
    the event loop under ASGI, and still works under WSGI)."""

    method_decorators = [jwt_required()]

    async def get(self) -> Any:
        username = get_jwt_identity()
        user = find_user(username)
        if user is None:
            abort(404, message=f"The user {username} no longer exists.")
        count = db.session.scalar(
            db.select(db.func.count()).select_from(Entry).filter_by(author=username)
        )
        return {"username": user.username, "is_admin": user.is_admin, "entries": count}


def create_api_blueprint() -> Blueprint:
    """A new ``api`` blueprint with the resources (one per app: an ``Api``'s
    blueprint is registered once)."""
    bp = Blueprint("api", __name__, url_prefix="/api")
    api = Api(bp)
    api.add_resource(Status, "/status", endpoint="status")
    api.add_resource(EntryList, "/entries", endpoint="entries")
    api.add_resource(EntryItem, "/entries/<int:entry_id>", endpoint="entry")
    api.add_resource(Token, "/token", endpoint="token")
    api.add_resource(Me, "/me", endpoint="me")
    return bp
