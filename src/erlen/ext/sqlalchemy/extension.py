"""The :class:`SQLAlchemy` extension object: ``db``."""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
import sqlalchemy.event as sa_event
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as sa_orm

from erlen import Erlen, abort, has_app_context
from erlen.globals import app_ctx

from . import record_queries, track_modifications
from .cli import add_models_to_shell
from .engines import engine_options_by_bind
from .model import (
    BindMixin,
    DefaultMeta,
    DefaultMetaNoName,
    Model,
    NameMixin,
    QueryProperty,
)
from .pagination import Pagination, SelectPagination
from .query import Query, dialect_of, identity_or_404
from .session import Session, app_context_scope
from .table import make_table_class

__all__ = ["SQLAlchemy"]

_ALL_BINDS = "__all__"
_DECLARATIVE_2X = (sa_orm.DeclarativeBase, sa_orm.DeclarativeBaseNoMeta)


class SQLAlchemy:
    """SQLAlchemy for erlen apps: engines from the app's config, a session
    per app context, a declarative ``Model`` base.

    ::

        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///example.db"
        db = SQLAlchemy(app)          # or SQLAlchemy() and db.init_app(app)

        class User(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            username = db.Column(db.String(80), unique=True, nullable=False)

        db.create_all()

    Every public name of ``sqlalchemy`` and ``sqlalchemy.orm`` is reachable
    as an attribute: ``db.Column``, ``db.String``, ``db.select``,
    ``db.relationship``, ``db.ForeignKey``...

    :param app: an app to :meth:`init_app` at once.
    :param metadata: the default ``MetaData`` (for a naming convention, say).
    :param session_options: ``sessionmaker`` options for ``db.session``; a
        ``scopefunc`` entry replaces the app-context scope.
    :param query_class: the class of ``Model.query`` and dynamic relationships.
    :param model_class: the base of ``db.Model``: a plain class (mixed into a
        declarative base), a declarative base, or a SQLAlchemy 2
        ``DeclarativeBase`` subclass for typed ``Mapped[]`` models.
    :param engine_options: defaults for every engine, below the config's.
    :param add_models_to_shell: add ``db`` and every model to ``erlen shell``.
    :param disable_autonaming: do not derive ``__tablename__`` from class names.
    """

    def __init__(
        self,
        app: Erlen | None = None,
        *,
        metadata: sa.MetaData | None = None,
        session_options: dict[str, Any] | None = None,
        query_class: type[Query] = Query,
        model_class: Any = Model,
        engine_options: dict[str, Any] | None = None,
        add_models_to_shell: bool = True,
        disable_autonaming: bool = False,
    ) -> None:
        self.Query = query_class
        """The query class of ``Model.query`` and dynamic relationships."""
        self.session: sa_orm.scoped_session[Session] = self._make_scoped_session(session_options)
        """The scoped session: one per app context, removed at its teardown."""
        self.metadatas: dict[str | None, sa.MetaData] = {}
        """The ``MetaData`` of each bind key; ``None`` is the default one."""
        if metadata is not None:
            metadata.info["bind_key"] = None
            self.metadatas[None] = metadata
        self.Table = make_table_class(self)
        """``db.Table(name, *columns, bind_key=None)``."""
        self.Model: Any = self._make_declarative_base(model_class, disable_autonaming)
        """The declarative base class of this extension's models."""
        self._engine_options = dict(engine_options or {})
        self._add_models_to_shell = add_models_to_shell
        # Engines per app, dropped with the app: one extension can serve
        # several apps (an app factory in tests), each with its own config.
        self._app_engines: WeakKeyDictionary[Erlen, dict[str | None, sa.Engine]] = (
            WeakKeyDictionary()
        )
        if app is not None:
            self.init_app(app)

    def __repr__(self) -> str:
        if not has_app_context() or app_ctx.app not in self._app_engines:
            return f"<{type(self).__name__}>"
        engines = self.engines
        if None not in engines:
            return f"<{type(self).__name__} binds={sorted(map(str, engines))}>"
        more = f" +{len(engines) - 1}" if len(engines) > 1 else ""
        return f"<{type(self).__name__} {engines[None].url}{more}>"

    def init_app(self, app: Erlen) -> None:
        """Register on ``app``: read its ``SQLALCHEMY_*`` config, create its
        engines, and remove ``db.session`` when each app context ends.

        Raises :class:`RuntimeError` when ``app`` already has a ``SQLAlchemy``
        instance, or when neither ``SQLALCHEMY_DATABASE_URI`` nor
        ``SQLALCHEMY_BINDS`` is set.
        """
        if "sqlalchemy" in app.extensions:
            raise RuntimeError(
                "A 'SQLAlchemy' instance has already been registered on this app."
                " Import and use that instance instead."
            )
        options_by_bind = engine_options_by_bind(app, self._engine_options)
        app.extensions["sqlalchemy"] = self
        app.teardown_appcontext(self._teardown_session)
        if self._add_models_to_shell:
            app.shell_context_processor(add_models_to_shell)

        engines = self._app_engines.setdefault(app, {})
        # Registered again after its entry in app.extensions was removed:
        # the old engines' connections must not linger.
        for engine in engines.values():
            engine.dispose()
        engines.clear()
        for key, options in options_by_bind.items():
            self._make_metadata(key)
            engines[key] = self._make_engine(key, options, app)

        if app.config.setdefault("SQLALCHEMY_RECORD_QUERIES", False):
            for engine in engines.values():
                record_queries.listen(engine)
        if app.config.setdefault("SQLALCHEMY_TRACK_MODIFICATIONS", False):
            self._track_modifications()

    def _make_engine(self, bind_key: str | None, options: dict[str, Any], app: Erlen) -> sa.Engine:
        """Create the engine of ``bind_key`` for ``app``; override to customise.

        ``engine_from_config`` also turns the strings a config file may hold
        (``pool_size="5"``) into the types the options need.
        """
        return sa.engine_from_config(options, prefix="")

    _tracking_listeners = False

    def _track_modifications(self) -> None:
        # Listeners are per session class, shared by every app of this
        # extension; each app's config still decides whether it signals.
        if not self._tracking_listeners:
            track_modifications.listen(self.session)
            self._tracking_listeners = True

    def _make_scoped_session(
        self, options: dict[str, Any] | None
    ) -> sa_orm.scoped_session[Session]:
        options = dict(options or {})
        scope = options.pop("scopefunc", app_context_scope)
        options.setdefault("class_", Session)
        options.setdefault("query_cls", self.Query)
        factory = sa_orm.sessionmaker(db=self, **options)
        return sa_orm.scoped_session(factory, scope)

    def _teardown_session(self, exc: BaseException | None) -> None:
        # Closing rolls back anything left uncommitted and returns the
        # connection to the pool; the next app context starts clean.
        self.session.remove()

    def _make_metadata(self, bind_key: str | None) -> sa.MetaData:
        """The metadata of ``bind_key``, created on first use with the
        default metadata's naming convention."""
        metadata = self.metadatas.get(bind_key)
        if metadata is not None:
            return metadata
        default = self.metadatas.get(None)
        if default is not None:
            metadata = sa.MetaData(naming_convention=default.naming_convention)
        else:
            metadata = sa.MetaData()
        metadata.info["bind_key"] = bind_key
        self.metadatas[bind_key] = metadata
        return metadata

    def _make_declarative_base(self, model_class: Any, disable_autonaming: bool) -> Any:
        model: Any
        if isinstance(model_class, type) and issubclass(model_class, _DECLARATIVE_2X):
            if model_class in _DECLARATIVE_2X:
                raise ValueError(
                    "Pass a subclass of DeclarativeBase as model_class"
                    " ('class Base(DeclarativeBase): pass'), not DeclarativeBase itself."
                )
            if all(issubclass(model_class, base) for base in _DECLARATIVE_2X):
                # SQLAlchemy would only fail on the first model, and obscurely.
                raise ValueError(
                    f"model_class {model_class.__name__!r} inherits from both DeclarativeBase"
                    " and DeclarativeBaseNoMeta; a declarative base uses exactly one of them."
                )
            mixins: tuple[type, ...] = (BindMixin, Model)
            if not disable_autonaming:
                mixins = (BindMixin, NameMixin, Model)
            namespace = {"__abstract__": True, "__fsa__": self, "__module__": __name__}
            model = types.new_class(
                "Model", (*mixins, model_class), {}, lambda ns: ns.update(namespace)
            )
        elif isinstance(model_class, sa_orm.DeclarativeMeta):
            model = model_class
        else:
            model = sa_orm.declarative_base(
                metadata=self._make_metadata(None),
                cls=model_class,
                name="Model",
                metaclass=DefaultMetaNoName if disable_autonaming else DefaultMeta,
            )
        if None not in self.metadatas:
            model.metadata.info["bind_key"] = None
            self.metadatas[None] = model.metadata
        elif model.metadata is not self.metadatas[None]:
            model.metadata = self.metadatas[None]
        model.query_class = self.Query
        model.query = QueryProperty()
        model.__fsa__ = self
        return model

    @property
    def metadata(self) -> sa.MetaData:
        """The default metadata (bind key ``None``)."""
        return self.metadatas[None]

    @property
    def engines(self) -> Mapping[str | None, sa.Engine]:
        """The current app's engines by bind key (``None`` for
        ``SQLALCHEMY_DATABASE_URI``).

        Outside an app context this is the app's when the extension is
        registered on exactly one app; with none or several it raises
        :class:`RuntimeError`.
        """
        if has_app_context():
            app = app_ctx.app
            engines = self._app_engines.get(app)
            if engines is None:
                raise RuntimeError(
                    f"The current app {app.name!r} is not registered with this 'SQLAlchemy'"
                    " instance. Did you forget to call 'init_app', or did you create"
                    " several 'SQLAlchemy' instances?"
                )
            return engines
        registered = list(self._app_engines.items())
        if len(registered) == 1:
            return registered[0][1]
        if not registered:
            raise RuntimeError(
                "Working outside of application context, and this 'SQLAlchemy'"
                " instance is not registered on any app. Create it with"
                " 'SQLAlchemy(app)' or call 'db.init_app(app)'."
            )
        names = ", ".join(repr(app.name) for app, _ in registered)
        raise RuntimeError(
            "Working outside of application context, and this 'SQLAlchemy' instance"
            f" is registered on {len(registered)} apps ({names}), so which app's"
            " database to use is ambiguous. Push that app's context first:"
            " 'with app.app_context(): db.create_all()'."
        )

    @property
    def engine(self) -> sa.Engine:
        """The current app's default engine (``SQLALCHEMY_DATABASE_URI``)."""
        engines = self.engines
        if None not in engines:
            raise sa_exc.UnboundExecutionError(
                "'SQLALCHEMY_DATABASE_URI' config is not set, so there is no default engine;"
                " use 'db.engines[bind_key]' for a bind."
            )
        return engines[None]

    # -- schema ---------------------------------------------------------------

    def _call_for_binds(self, bind_key: str | Iterable[str | None] | None, operation: str) -> None:
        if bind_key == _ALL_BINDS:
            keys: list[str | None] = list(self.metadatas)
        elif bind_key is None or isinstance(bind_key, str):
            keys = [bind_key]
        else:
            keys = list(bind_key)
        engines = self.engines
        for key in keys:
            engine = engines.get(key)
            if engine is None:
                message = f"Bind key '{key}' is not in 'SQLALCHEMY_BINDS' config."
                if key is None:
                    message = f"'SQLALCHEMY_DATABASE_URI' config is not set. {message}"
                raise sa_exc.UnboundExecutionError(message)
            metadata = self._make_metadata(key)
            getattr(metadata, operation)(bind=engine)

    def create_all(self, bind_key: str | Iterable[str | None] | None = _ALL_BINDS) -> None:
        """Create the tables that do not exist yet, for every bind (the
        default), one bind key, or a list of them. Existing tables are left
        as they are: this is no migration tool."""
        self._call_for_binds(bind_key, "create_all")

    def drop_all(self, bind_key: str | Iterable[str | None] | None = _ALL_BINDS) -> None:
        """Drop the tables of every bind (the default), one bind key, or a list."""
        self._call_for_binds(bind_key, "drop_all")

    def reflect(self, bind_key: str | Iterable[str | None] | None = _ALL_BINDS) -> None:
        """Load the tables that exist in the databases into ``db.metadatas``,
        so ``db.metadata.tables["name"]`` (or a model named after one) uses them."""
        self._call_for_binds(bind_key, "reflect")

    # -- views ----------------------------------------------------------------

    def get_or_404(
        self, entity: Any, ident: Any, *, description: str | None = None, **kwargs: Any
    ) -> Any:
        """``db.session.get(entity, ident, **kwargs)``, or abort with ``404 Not
        Found``. ``kwargs`` are ``Session.get``'s: ``options=[joinedload(...)]``,
        ``with_for_update=True``, ``populate_existing=True``..."""
        dialect = dialect_of(self.session, entity)
        identity = identity_or_404(entity, ident, description, dialect)
        value = self.session.get(entity, identity, **kwargs)
        if value is None:
            abort(404, description=description)
        return value

    def first_or_404(self, statement: sa.Select[Any], *, description: str | None = None) -> Any:
        """The first result's first column, or abort with ``404 Not Found``."""
        value = self.session.execute(statement).scalar()
        if value is None:
            abort(404, description=description)
        return value

    def one_or_404(self, statement: sa.Select[Any], *, description: str | None = None) -> Any:
        """The only result's first column, or abort with ``404 Not Found``
        when there is none or more than one."""
        try:
            return self.session.execute(statement).scalar_one()
        except (sa_exc.NoResultFound, sa_exc.MultipleResultsFound):
            abort(404, description=description)

    def paginate(
        self,
        select: sa.Select[Any],
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: bool = True,
    ) -> Pagination:
        """One page of ``select``'s results as a :class:`Pagination`.

        ``page`` and ``per_page`` default to the request's ``page`` and
        ``per_page`` query arguments (1 and 20 without them or outside a
        request). A value that is not a positive integer, or an empty page
        past the first, aborts with ``404 Not Found`` when ``error_out`` is
        true. ``max_per_page`` caps ``per_page``: set it when ``per_page``
        comes from users. ``count=False`` skips the count query.
        """
        return SelectPagination(
            select=select,
            session=self.session(),
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )

    # -- sqlalchemy names -----------------------------------------------------

    def _with_query_class(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs.setdefault("query_class", self.Query)
        backref = kwargs.get("backref")
        if isinstance(backref, str):
            kwargs["backref"] = (backref, {"query_class": self.Query})
        elif isinstance(backref, tuple):
            backref[1].setdefault("query_class", self.Query)
        return kwargs

    def relationship(self, *args: Any, **kwargs: Any) -> sa_orm.RelationshipProperty[Any]:
        """:func:`sqlalchemy.orm.relationship`, with ``query_class`` defaulting
        to ``db.Query`` for ``lazy="dynamic"`` relationships and backrefs."""
        return sa_orm.relationship(*args, **self._with_query_class(kwargs))

    def dynamic_loader(self, argument: Any, **kwargs: Any) -> sa_orm.RelationshipProperty[Any]:
        """:func:`sqlalchemy.orm.dynamic_loader` with ``db.Query`` as its query class."""
        return sa_orm.dynamic_loader(argument, **self._with_query_class(kwargs))

    def backref(self, name: str, **kwargs: Any) -> Any:
        """:func:`sqlalchemy.orm.backref` with ``db.Query`` as its query class."""
        kwargs.setdefault("query_class", self.Query)
        return sa_orm.backref(name, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name == "relation":
            return self.relationship
        if name == "event":
            return sa_event
        if name.startswith("_"):
            raise AttributeError(name)
        for module in (sa, sa_orm):
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
