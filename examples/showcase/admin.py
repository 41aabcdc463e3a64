"""``/admin``: ``erlen.ext.admin`` (Flask-Admin's API, the brief's §2.9.5) with a
``ModelView`` per model, open to logged-in admins only (``is_accessible``)."""

from __future__ import annotations

from typing import Any

from erlen import Erlen, abort
from erlen.ext.admin import Admin, AdminIndexView, ModelView
from erlen.ext.forms import CSRFProtect, Length, Optional, PasswordField, ValidationError
from erlen.ext.login import current_user

from .auth import login_manager
from .models import Entry, User, db


class AdminOnly:
    """Access control shared by every admin page."""

    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated and current_user.is_admin)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        # Visitors are sent to log in first (as @login_required does: flash,
        # then the login form with ?next=); a logged-in user who is not an
        # admin gets 403 Forbidden (Flask-Admin's default answer).
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        abort(403)


class HomeView(AdminOnly, AdminIndexView):
    """The admin's home page."""


class UserView(AdminOnly, ModelView):
    """Accounts: the hash is never shown; a new password is hashed on save."""

    column_list = ["username", "is_admin"]
    column_searchable_list = ["username"]
    column_default_sort = "username"
    column_labels = {"is_admin": "Admin"}
    form_columns = ["username", "is_admin"]

    def scaffold_form(self) -> type:
        form_class: Any = super().scaffold_form()
        form_class.new_password = PasswordField(
            "New password",
            validators=[Optional(), Length(min=8)],
            description="Leave empty to keep the current password.",
        )
        return form_class  # type: ignore[no-any-return]

    def populate_obj(self, form: Any, model: Any, is_created: bool) -> None:
        # The password field is no column: hash it rather than copy it.
        for field in form:
            if field.short_name != "new_password":
                field.populate_obj(model, field.short_name)
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif is_created:
            raise ValidationError("A new user needs a password.")

    def on_model_delete(self, model: Any) -> None:
        if model.id == current_user.id:
            raise ValidationError("You cannot delete your own account.")


class EntryView(AdminOnly, ModelView):
    """Guestbook entries, newest first, searchable."""

    can_view_details = True
    column_list = ["author", "message", "created"]
    column_searchable_list = ["author", "message"]
    column_filters = ["author"]
    column_default_sort = ("created", True)


def create_admin(app: Erlen, csrf: CSRFProtect) -> Admin:
    """Mount the admin on ``app``: home page, users, entries."""
    home = HomeView(name="Home", url="/admin")
    views = [UserView(User, db.session, name="Users"), EntryView(Entry, db.session, name="Entries")]
    admin = Admin(app, name="Showcase Admin", template_mode="bootstrap3", index_view=home)
    admin.add_views(*views)
    # The admin checks a CSRF token of its own on every POST; the app-wide
    # check would refuse that token as foreign, so it skips the admin's pages.
    for view in (home, *views):
        if view.blueprint is not None:
            csrf.exempt(view.blueprint)
    return admin
