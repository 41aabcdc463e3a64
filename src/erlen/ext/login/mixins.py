"""What a user object must offer, and mixins that offer it.

:mod:`erlen.ext.login` asks four things of a user: ``is_authenticated``,
``is_active``, ``is_anonymous`` and ``get_id()``. :class:`UserMixin` gives a
model sensible ones (active, authenticated, ``get_id`` from ``self.id``);
:class:`AnonymousUserMixin` is what ``current_user`` is when nobody is logged
in.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["AnonymousUserMixin", "UserMixin", "UserProtocol"]


@runtime_checkable
class UserProtocol(Protocol):
    """The interface of a user (logged in or anonymous), for type checkers."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def is_anonymous(self) -> bool: ...

    def get_id(self) -> str | None: ...


class UserMixin:
    """Default user behaviour: every user is active and authenticated, and
    ``get_id()`` returns ``str(self.id)``.

    Override ``is_active`` (a property or a plain attribute, such as a
    database column) to refuse logins to suspended accounts, and ``get_id``
    when the id attribute has another name.
    """

    # COMPAT(flask): __eq__ below would otherwise make instances unhashable.
    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        """Whether this account may log in (``login_user`` refuses it otherwise)."""
        return True

    @property
    def is_authenticated(self) -> bool:
        """Whether the user has proved who they are: an active account has."""
        return self.is_active

    @property
    def is_anonymous(self) -> bool:
        """Always False: this is a real user."""
        return False

    def get_id(self) -> str:
        """The id that the session and the remember-me cookie store: ``str(self.id)``.

        Raises :class:`NotImplementedError` when the object has no ``id``.
        """
        try:
            return str(self.id)  # type: ignore[attr-defined]
        except AttributeError:
            raise NotImplementedError(
                f"{type(self).__name__} has no 'id' attribute: give it one or override get_id()"
            ) from None

    def __eq__(self, other: object) -> bool:
        """Two users are equal when their ids are."""
        if isinstance(other, UserMixin):
            return self.get_id() == other.get_id()
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        if equal is NotImplemented:
            return NotImplemented
        return not equal


class AnonymousUserMixin:
    """The user nobody logged in as: not authenticated, not active, anonymous,
    with no id. Set :attr:`LoginManager.anonymous_user` to a subclass to give
    visitors attributes of their own (a default theme, say)."""

    @property
    def is_authenticated(self) -> bool:
        """Always False."""
        return False

    @property
    def is_active(self) -> bool:
        """Always False."""
        return False

    @property
    def is_anonymous(self) -> bool:
        """Always True."""
        return True

    def get_id(self) -> None:
        """Always None: an anonymous user has no id."""
        return None
