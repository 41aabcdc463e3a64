"""The admin's skeleton: :class:`Admin`, :class:`BaseView`, :class:`AdminIndexView`
and :func:`expose`.

Each view is a class whose ``@expose``-d methods become the routes of a
blueprint named after the view's ``endpoint``, mounted under the view's
``url`` (``/admin/<endpoint>`` by default). :class:`Admin` collects the views,
builds the menu and registers the blueprints on the app.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from erlen import Blueprint, Erlen, abort, render_template, request, url_for

from . import csrf
from .helpers import prettify_class_name
from .menu import BaseMenu, MenuCategory, MenuLink, MenuView

F = TypeVar("F", bound=Callable[..., Any])

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
TEMPLATE_FOLDER = os.path.join(PACKAGE_DIR, "templates")
STATIC_FOLDER = os.path.join(PACKAGE_DIR, "static")
_EXPOSED = "_admin_exposed_urls"
#: Methods whose requests must carry a CSRF token.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def expose(url: str = "/", methods: Iterable[str] = ("GET",)) -> Callable[[F], F]:
    """Make a method of a :class:`BaseView` a page at ``url`` (below the view's URL).

    The endpoint is ``"<view endpoint>.<method name>"``; the method exposed at
    ``"/"`` is the view's default page, the one the menu links to. Stack
    several ``@expose`` to serve a method at several URLs.
    """

    def wrap(func: F) -> F:
        routes: list[tuple[str, tuple[str, ...]]] | None = getattr(func, _EXPOSED, None)
        if routes is None:
            routes = []
            setattr(func, _EXPOSED, routes)
        routes.append((url, tuple(method.upper() for method in methods)))
        return func

    return wrap


@dataclass(frozen=True, slots=True)
class Theme:
    """The CSS class names a template mode gives the admin's markup."""

    mode: str
    navbar: str
    nav: str
    nav_item: str
    nav_link: str
    dropdown_toggle: str
    dropdown_item: str
    btn_default: str
    btn_small: str
    table: str
    group_invalid: str
    input_invalid: str
    error_text: str
    help_text: str
    check: str
    check_input: str
    page_item: str
    page_link: str
    tab_item: str
    tab_link: str
    text_muted: str
    float_right: str


THEMES: dict[str, Theme] = {
    "bootstrap3": Theme(
        mode="bootstrap3",
        navbar="navbar navbar-inverse navbar-static-top",
        nav="nav navbar-nav",
        nav_item="",
        nav_link="",
        dropdown_toggle="dropdown-toggle",
        dropdown_item="",
        btn_default="btn btn-default",
        btn_small="btn-xs",
        table="table table-striped table-bordered table-hover model-list",
        group_invalid="has-error",
        input_invalid="",
        error_text="help-block",
        help_text="help-block",
        check="checkbox",
        check_input="",
        page_item="",
        page_link="",
        tab_item="",
        tab_link="",
        text_muted="text-muted",
        float_right="pull-right",
    ),
    "bootstrap4": Theme(
        mode="bootstrap4",
        navbar="navbar navbar-expand navbar-dark bg-dark",
        nav="navbar-nav mr-auto",
        nav_item="nav-item",
        nav_link="nav-link",
        dropdown_toggle="nav-link dropdown-toggle",
        dropdown_item="dropdown-item",
        btn_default="btn btn-secondary",
        btn_small="btn-sm",
        table="table table-striped table-bordered table-hover table-sm model-list",
        group_invalid="",
        input_invalid="is-invalid",
        error_text="invalid-feedback",
        help_text="form-text text-muted",
        check="form-check",
        check_input="form-check-input",
        page_item="page-item",
        page_link="page-link",
        tab_item="nav-item",
        tab_link="nav-link",
        text_muted="text-muted",
        float_right="float-right",
    ),
}


class BaseView:
    """An admin page (or group of pages) with its own menu entry.

    Subclass it, expose methods with :func:`expose`, and render templates that
    extend ``admin/master.html`` with :meth:`render`::

        class ReportView(BaseView):
            @expose("/")
            def index(self):
                return self.render("report.html")

    Override :meth:`is_accessible` to restrict who sees it; a refused request
    gets :meth:`inaccessible_callback` (403 by default). Every POST, PUT,
    PATCH or DELETE to an admin view must carry the CSRF token that the
    templates' ``csrf_token()`` gives (unless ``ADMIN_CSRF_ENABLED`` is false
    or the view sets ``csrf_protect = False``).
    """

    #: Check the CSRF token of unsafe requests to this view.
    csrf_protect: bool = True
    #: The name of the method exposed at ``"/"`` (set for each subclass).
    default_view: str | None = None
    #: Every exposed method: name -> ``[(url, methods), ...]`` (set for each subclass).
    exposed_methods: dict[str, list[tuple[str, tuple[str, ...]]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        exposed: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        default_view = None
        for name in dir(cls):
            routes = getattr(getattr(cls, name, None), _EXPOSED, None)
            if routes:
                exposed[name] = list(routes)
                if any(url == "/" for url, _ in routes):
                    default_view = name
        cls.exposed_methods = exposed
        cls.default_view = default_view

    def __init__(
        self,
        name: str | None = None,
        category: str | None = None,
        endpoint: str | None = None,
        url: str | None = None,
        static_folder: str | None = None,
        static_url_path: str | None = None,
        menu_class_name: str | None = None,
        menu_icon_type: str | None = None,
        menu_icon_value: str | None = None,
    ) -> None:
        self.name = name
        self.category = category
        self.endpoint = self._get_endpoint(endpoint)
        self.url = url
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        self.menu_class_name = menu_class_name
        self.menu_icon_type = menu_icon_type
        self.menu_icon_value = menu_icon_value
        self.admin: Admin | None = None
        self.blueprint: Blueprint | None = None

    def _get_endpoint(self, endpoint: str | None) -> str:
        """The blueprint name: ``endpoint``, else the class name in lower case."""
        return endpoint or type(self).__name__.lower()

    def _get_view_url(self, admin: Admin, url: str | None) -> str:
        """The view's URL: ``url`` (relative ones go below the admin's), else
        ``<admin url>/<endpoint>``."""
        base = admin.url.rstrip("/")
        if url is None:
            return f"{base}/{self.endpoint}"
        if url.startswith("/"):
            return url
        return f"{base}/{url}"

    def create_blueprint(self, admin: Admin) -> Blueprint:
        """Build this view's blueprint for ``admin`` (done by :meth:`Admin.add_view`)."""
        if self.default_view is None:
            raise ValueError(
                f"{type(self).__name__} exposes no method at '/'; decorate its main page"
                " with @expose('/')."
            )
        self.admin = admin
        self.url = self._get_view_url(admin, self.url)
        if self.name is None:
            self.name = prettify_class_name(type(self).__name__)
        static_url_path = self.static_url_path or ("/static" if self.static_folder else None)
        blueprint = Blueprint(
            self.endpoint,
            type(self).__module__,
            url_prefix=None if self.url == "/" else self.url,
            template_folder=TEMPLATE_FOLDER,
            static_folder=self.static_folder,
            static_url_path=static_url_path,
        )
        for method_name, routes in self.exposed_methods.items():
            view_func = self._wrap_view(method_name)
            for rule, methods in routes:
                blueprint.add_url_rule(
                    rule, endpoint=method_name, view_func=view_func, methods=list(methods)
                )
        self.blueprint = blueprint
        return blueprint

    def _wrap_view(self, method_name: str) -> Callable[..., Any]:
        method = getattr(self, method_name)

        if inspect.iscoroutinefunction(method):

            @functools.wraps(method)
            async def async_view(**kwargs: Any) -> Any:
                refused = self._handle_view(method_name, **kwargs)
                if refused is not None:
                    return refused
                return await method(**kwargs)

            return async_view

        @functools.wraps(method)
        def view(**kwargs: Any) -> Any:
            refused = self._handle_view(method_name, **kwargs)
            if refused is not None:
                return refused
            return self._run_view(method, **kwargs)

        return view

    def _run_view(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        """Call a sync exposed method (a hook for subclasses that must clean up after it)."""
        return method(**kwargs)

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        """Run before every exposed method: a non-None return value is sent instead.

        Refuses users :meth:`is_accessible` says no to, then checks the CSRF
        token of unsafe requests.
        """
        if not self.is_accessible():
            return self.inaccessible_callback(name, **kwargs)
        if self.csrf_protect and request.method in UNSAFE_METHODS and csrf.csrf_enabled():
            csrf.validate_csrf()
        return None

    def is_accessible(self) -> bool:
        """May the current user use this view? Override to add access control."""
        return True

    def is_visible(self) -> bool:
        """Should the menu show this view? (Hidden views still answer requests.)"""
        return True

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        """What a user :meth:`is_accessible` refuses gets: 403 Forbidden by default
        (redirect to a login page here, for instance)."""
        abort(403)

    def get_url(self, endpoint: str, **kwargs: Any) -> str:
        """``url_for`` where ``".name"`` means a page of this view."""
        if endpoint.startswith("."):
            endpoint = f"{self.endpoint}{endpoint}"
        return url_for(endpoint, **kwargs)

    def render(self, template: str, **kwargs: Any) -> str:
        """Render ``template`` with the admin's context: ``admin_view``,
        ``admin_base_template``, ``admin_theme``, ``get_url`` and ``csrf_token``."""
        if self.admin is None:
            raise RuntimeError(f"{type(self).__name__} is not added to an Admin.")
        kwargs.setdefault("admin_view", self)
        kwargs.setdefault("admin_base_template", self.admin.base_template)
        kwargs.setdefault("admin_theme", self.admin.theme)
        kwargs.setdefault("get_url", self.get_url)
        kwargs.setdefault("csrf_token", csrf.generate_csrf)
        return render_template(template, **kwargs)


class AdminIndexView(BaseView):
    """The admin's home page, at the admin's URL, and the owner of its stylesheet.

    Pass your own subclass as ``Admin(index_view=...)`` to change the page
    (``template``) or to restrict it.
    """

    def __init__(
        self,
        name: str | None = None,
        category: str | None = None,
        endpoint: str | None = None,
        url: str | None = None,
        template: str = "admin/index.html",
        menu_class_name: str | None = None,
        menu_icon_type: str | None = None,
        menu_icon_value: str | None = None,
    ) -> None:
        super().__init__(
            name or "Home",
            category,
            endpoint or "admin",
            "/admin" if url is None else url,
            STATIC_FOLDER,
            "/static",
            menu_class_name,
            menu_icon_type,
            menu_icon_value,
        )
        self._template = template

    def _get_view_url(self, admin: Admin, url: str | None) -> str:
        return url if url is not None else admin.url

    @expose("/")
    def index(self) -> str:
        return self.render(self._template)


class Admin:
    """The admin interface of an app: ``Admin(app, name="My Admin")``.

    ``url`` (default ``"/admin"``) and ``endpoint`` (default ``"admin"``) are
    the index page's; ``template_mode`` is ``"bootstrap4"`` (default) or
    ``"bootstrap3"``; ``base_template`` is the layout every admin page
    extends (default ``"admin/base.html"``); ``category_icon_classes`` maps a
    menu category's name to the CSS class of its icon.
    """

    def __init__(
        self,
        app: Erlen | None = None,
        name: str | None = None,
        url: str | None = None,
        index_view: AdminIndexView | None = None,
        endpoint: str | None = None,
        template_mode: str | None = None,
        base_template: str | None = None,
        category_icon_classes: dict[str, str] | None = None,
    ) -> None:
        self.name = name or "Admin"
        mode = template_mode or "bootstrap4"
        if mode not in THEMES:
            supported = ", ".join(repr(m) for m in THEMES)
            raise ValueError(
                f"Unknown template_mode {mode!r}; erlen.ext.admin supports {supported}."
            )
        self.template_mode = mode
        self.theme = THEMES[mode]
        self.base_template = base_template or "admin/base.html"
        self.category_icon_classes = dict(category_icon_classes or {})
        self.app: Erlen | None = None
        self._apps: list[Erlen] = []
        self._views: list[BaseView] = []
        self._menu: list[BaseMenu] = []
        self._menu_categories: dict[str, MenuCategory] = {}
        self._menu_links: list[MenuLink] = []
        self._set_index_view(index_view, endpoint, url)
        if app is not None:
            self.init_app(app)

    def _set_index_view(
        self, index_view: AdminIndexView | None, endpoint: str | None, url: str | None
    ) -> None:
        index_view = index_view or AdminIndexView(endpoint=endpoint, url=url)
        self.endpoint = endpoint or index_view.endpoint
        index_view.endpoint = self.endpoint
        self.url = url or index_view.url or "/admin"
        index_view.url = self.url
        old = getattr(self, "index_view", None)
        if old is not None:
            self._views.remove(old)
            self._menu = [m for m in self._menu if not (isinstance(m, MenuView) and m.view is old)]
        self.index_view = index_view
        # The home page comes first in the menu, whenever the other views were added.
        self._views.insert(0, index_view)
        index_view.create_blueprint(self)
        self._menu.insert(0, MenuView(index_view.name or "Home", index_view))

    def init_app(
        self,
        app: Erlen,
        index_view: AdminIndexView | None = None,
        endpoint: str | None = None,
        url: str | None = None,
    ) -> None:
        """Register the admin's views on ``app`` (``index_view``, ``endpoint`` and
        ``url`` replace the home page's first)."""
        if index_view is not None or endpoint is not None or url is not None:
            if self._apps:
                raise RuntimeError("The index view cannot change once the admin is on an app.")
            self._set_index_view(index_view, endpoint, url)
        self.app = app
        self._apps.append(app)
        app.extensions.setdefault("admin", []).append(self)
        for view in self._views:
            assert view.blueprint is not None
            app.register_blueprint(view.blueprint)

    def add_view(self, view: BaseView) -> None:
        """Add a view: its pages get routes and its name a menu entry."""
        if view.admin is not None:
            raise ValueError(f"The view {view.endpoint!r} was already added to an Admin.")
        for other in self._views:
            if other.endpoint == view.endpoint:
                raise ValueError(
                    f"Two admin views use the endpoint {view.endpoint!r}; pass endpoint= to"
                    " one of them (e.g. ModelView(Model, session, endpoint='other'))."
                )
        blueprint = view.create_blueprint(self)
        self._views.append(view)
        for app in self._apps:
            app.register_blueprint(blueprint)
        self._add_menu_item(MenuView(view.name or view.endpoint, view), view.category)

    def add_views(self, *views: BaseView) -> None:
        """Add several views, in order."""
        for view in views:
            self.add_view(view)

    def add_category(
        self,
        name: str,
        class_name: str | None = None,
        icon_type: str | None = None,
        icon_value: str | None = None,
    ) -> None:
        """Add an (empty) menu category now, to fix its place or its icon."""
        if name in self._menu_categories:
            return
        category = MenuCategory(name, class_name, icon_type, icon_value)
        self._menu_categories[name] = category
        self._menu.append(category)

    def add_link(self, link: MenuLink) -> None:
        """Add a :class:`MenuLink`: into its category's drop-down, or at the
        right end of the menu bar when it has none."""
        if link.category:
            self._add_menu_item(link, link.category)
        else:
            self._menu_links.append(link)

    def add_links(self, *links: MenuLink) -> None:
        """Add several menu links, in order."""
        for link in links:
            self.add_link(link)

    def _add_menu_item(self, item: BaseMenu, category: str | None) -> None:
        if not category:
            self._menu.append(item)
            return
        if category not in self._menu_categories:
            icon = self.category_icon_classes.get(category)
            self.add_category(category, icon_type="class" if icon else None, icon_value=icon)
        self._menu_categories[category].add_child(item)

    def menu(self) -> list[BaseMenu]:
        """The menu bar's entries, in order (categories hold their children)."""
        return self._menu

    def menu_links(self) -> list[MenuLink]:
        """The links shown at the right end of the menu bar."""
        return self._menu_links

    @property
    def views(self) -> list[BaseView]:
        """Every view of the admin, the home page first."""
        return list(self._views)
