"""The showcase's data: users and guestbook entries in SQLite, through
``erlen.ext.sqlalchemy`` (Flask-SQLAlchemy's API, the brief's §2.9.1)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from erlen.ext.login import UserMixin
from erlen.ext.sqlalchemy import SQLAlchemy
from erlen.http.security import check_password_hash, generate_password_hash

db = SQLAlchemy()

#: The most characters a guestbook message may have.
MAX_MESSAGE = 500

#: The demo accounts: username, password, is_admin.
DEMO_USERS = (("ada", "lovelace", True), ("grace", "hopper", False))

#: The entries a new database starts with: author, message.
DEMO_ENTRIES = (
    ("grace", "Hello from the guestbook!"),
    ("ada", "The Analytical Engine weaves algebraic patterns."),
)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class User(UserMixin, db.Model):  # type: ignore[misc, name-defined]
    """An account; ``UserMixin`` gives it what ``erlen.ext.login`` needs."""

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), unique=True, nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    is_admin = db.Column(db.Boolean, nullable=False, default=False)

    def set_password(self, password: str) -> None:
        # SECURITY: only a salted scrypt hash is stored, never the password.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __str__(self) -> str:
        return str(self.username)


class Entry(db.Model):  # type: ignore[misc, name-defined]
    """A guestbook message."""

    id = db.Column(db.Integer, primary_key=True)
    author = db.Column(db.String(80), nullable=False)
    message = db.Column(db.String(MAX_MESSAGE), nullable=False)
    created = db.Column(db.DateTime, nullable=False, default=utcnow)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "author": self.author, "message": self.message}


@functools.cache
def demo_password_hash(password: str) -> str:
    # PERF: scrypt takes about 0.2 s on purpose; the tests build an app per
    # test, so each demo password is hashed once per process, not per app.
    return generate_password_hash(password)


def find_user(username: str) -> User | None:
    """The user called ``username``, or None."""
    user: User | None = User.query.filter_by(username=username).first()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The user if the password is right, else None."""
    user = find_user(username)
    if user is None or not user.check_password(password):
        return None
    return user


def create_tables_and_seed() -> None:
    """Create the tables that are missing; fill an empty database with the demo rows.

    Needs an app context.
    """
    db.create_all()
    # Seed a new database only: rows deleted through the admin stay deleted.
    if db.session.scalar(db.select(db.func.count()).select_from(User)):
        return
    for username, password, is_admin in DEMO_USERS:
        db.session.add(
            User(username=username, password_hash=demo_password_hash(password), is_admin=is_admin)
        )
    for author, message in DEMO_ENTRIES:
        db.session.add(Entry(author=author, message=message))
    db.session.commit()
