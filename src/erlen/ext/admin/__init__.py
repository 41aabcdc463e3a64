"""erlen.ext.admin: Flask-Admin's admin interface for erlen.

::

    from erlen import Erlen
    from erlen.ext.admin import Admin, ModelView

    app = Erlen(__name__)
    app.config["SECRET_KEY"] = "change me"
    admin = Admin(app, name="My Admin", template_mode="bootstrap3")
    admin.add_view(ModelView(User, db.session))

``Admin`` mounts a home page at ``/admin``; each view adds pages below it and
an entry in the menu. ``ModelView`` lists, searches, filters, sorts, creates,
edits and deletes the rows of a SQLAlchemy model with WTForms forms made from
its columns. Needs the ``admin`` extra (SQLAlchemy and WTForms).
"""

from __future__ import annotations

from .base import Admin, AdminIndexView, BaseView, expose
from .csrf import generate_csrf, validate_csrf
from .filters import (
    BaseFilter,
    FilterBoolean,
    FilterEqual,
    FilterGreater,
    FilterLike,
    FilterNotEqual,
    FilterNotLike,
    FilterSmaller,
)
from .forms import RelatedSelectField, Unique, model_form
from .menu import MenuCategory, MenuLink, MenuView
from .model import ModelView

__all__ = [
    "Admin",
    "AdminIndexView",
    "BaseFilter",
    "BaseView",
    "FilterBoolean",
    "FilterEqual",
    "FilterGreater",
    "FilterLike",
    "FilterNotEqual",
    "FilterNotLike",
    "FilterSmaller",
    "MenuCategory",
    "MenuLink",
    "MenuView",
    "ModelView",
    "RelatedSelectField",
    "Unique",
    "expose",
    "generate_csrf",
    "model_form",
    "validate_csrf",
]
