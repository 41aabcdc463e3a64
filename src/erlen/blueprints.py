"""Blueprints: groups of routes, hooks and handlers registered on an app.

::

    auth_bp = Blueprint("auth", __name__, url_prefix="/auth")

    @auth_bp.route("/login")
    def login(): ...

    app.register_blueprint(auth_bp)
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .scaffold import (
    Scaffold,
    T_after_request,
    T_before_request,
    T_error_handler,
    T_teardown,
    T_template_context_processor,
    T_url_defaults,
    T_url_value_preprocessor,
    _endpoint_from_view_func,
    setupmethod,
)
from .typing import (
    BeforeFirstRequestCallable,
    RouteCallable,
    TemplateFilterCallable,
    TemplateGlobalCallable,
    TemplateTestCallable,
)

if TYPE_CHECKING:
    from .app import Erlen
    from .cli import AppGroup

DeferredSetupFunction = Callable[["BlueprintSetupState"], None]
T_template_filter = TypeVar("T_template_filter", bound=TemplateFilterCallable)
T_template_global = TypeVar("T_template_global", bound=TemplateGlobalCallable)
T_template_test = TypeVar("T_template_test", bound=TemplateTestCallable)
T_first = TypeVar("T_first", bound=BeforeFirstRequestCallable)

_MISSING: Any = object()


class BlueprintSetupState:
    """What a blueprint's deferred functions get when it is registered: the
    app, the options, and the resolved URL prefix, subdomain, name and URL
    defaults."""

    def __init__(
        self,
        blueprint: Blueprint,
        app: Erlen,
        options: Any,
        first_registration: bool,
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        self.options = options
        #: True the first time this blueprint object is registered on the app.
        self.first_registration = first_registration

        subdomain = options.get("subdomain")
        if subdomain is None:
            subdomain = blueprint.subdomain
        self.subdomain: str | None = subdomain

        url_prefix = options.get("url_prefix")
        if url_prefix is None:
            url_prefix = blueprint.url_prefix
        self.url_prefix: str | None = url_prefix

        self.name: str = options.get("name", blueprint.name)
        self.name_prefix: str = options.get("name_prefix", "")
        self.url_defaults: dict[str, Any] = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults", ()))

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        **options: Any,
    ) -> None:
        """Add a rule to the app, under the blueprint's prefix, subdomain and
        name (``"<blueprint>.<endpoint>"``)."""
        if self.url_prefix is not None:
            if rule:
                rule = "/".join((self.url_prefix.rstrip("/"), rule.lstrip("/")))
            else:
                rule = self.url_prefix
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = dict(defaults, **options.pop("defaults"))
        self.app.add_url_rule(
            rule,
            f"{self.name_prefix}.{self.name}.{endpoint}".lstrip("."),
            view_func,
            defaults=defaults,
            **options,
        )


class Blueprint(Scaffold):
    """A set of routes, hooks, error handlers and templates/static files that
    is registered on an app (possibly several times, under different names,
    or nested in another blueprint).

    Every registration method of the app exists here too, scoped to the
    blueprint's requests; the ``app_*`` variants (``before_app_request``,
    ``app_errorhandler``, ``app_context_processor``, ...) register on the app.
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _MISSING,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.deferred_functions: list[DeferredSetupFunction] = []
        self.url_values_defaults: dict[str, Any] = url_defaults or {}
        self.cli_group = cli_group
        self._blueprints: list[tuple[Blueprint, dict[str, Any]]] = []
        self._cli: AppGroup | None = None

    @property
    def cli(self) -> AppGroup:
        """The blueprint's click group, created on first use; its commands
        join the app's CLI when the blueprint is registered."""
        if self._cli is None:
            from .cli import AppGroup

            self._cli = AppGroup(self.name)
        return self._cli

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the blueprint"
                f" '{self.name}'. It has already been registered at least once, so the"
                " change would not apply consistently.\nMake sure all imports,"
                " decorators, functions, etc. needed to set up the blueprint are done"
                " before registering it."
            )

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` (a :class:`BlueprintSetupState`) each time the
        blueprint is registered on an app."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Like :meth:`record`, but only on the blueprint's first registration
        on an app."""

        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(wrapper)

    def make_setup_state(
        self, app: Erlen, options: dict[str, Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """Create the state passed to the deferred functions."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Nest ``blueprint`` in this one: it is registered, with this
        blueprint's prefix and a dotted name (``parent.child``), whenever this
        one is registered on an app."""
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself.")
        self._blueprints.append((blueprint, options))

    def register(self, app: Erlen, options: dict[str, Any]) -> None:
        """Register this blueprint on ``app`` (what
        :meth:`Erlen.register_blueprint` calls)."""
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        name = f"{name_prefix}.{self_name}".lstrip(".")

        if name in app.blueprints:
            which = "this" if app.blueprints[name] is self else "a different"
            existing_at = f" '{name}'" if self_name != name else ""
            raise ValueError(
                f"The name '{self_name}' is already registered for {which}"
                f" blueprint{existing_at}. Use 'name=' to give it a unique name."
            )

        first_bp_registration = not any(bp is self for bp in app.blueprints.values())
        first_name_registration = name not in app.blueprints
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_bp_registration)

        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )

        if first_bp_registration or first_name_registration:
            self._merge_blueprint_funcs(app, name)

        for deferred in self.deferred_functions:
            deferred(state)

        app._note_blueprint_prefix(name, state.url_prefix)
        self._register_cli(app, options, name)

        for blueprint, bp_options in self._blueprints:
            bp_options = bp_options.copy()
            bp_url_prefix = bp_options.get("url_prefix")
            bp_subdomain = bp_options.get("subdomain")
            if bp_subdomain is None:
                bp_subdomain = blueprint.subdomain
            if state.subdomain is not None and bp_subdomain is not None:
                bp_options["subdomain"] = f"{bp_subdomain}.{state.subdomain}"
            elif bp_subdomain is not None:
                bp_options["subdomain"] = bp_subdomain
            elif state.subdomain is not None:
                bp_options["subdomain"] = state.subdomain

            if bp_url_prefix is None:
                bp_url_prefix = blueprint.url_prefix
            if state.url_prefix is not None and bp_url_prefix is not None:
                bp_options["url_prefix"] = (
                    state.url_prefix.rstrip("/") + "/" + bp_url_prefix.lstrip("/")
                )
            elif bp_url_prefix is not None:
                bp_options["url_prefix"] = bp_url_prefix
            elif state.url_prefix is not None:
                bp_options["url_prefix"] = state.url_prefix

            bp_options["name_prefix"] = name
            blueprint.register(app, bp_options)

    def _register_cli(self, app: Erlen, options: dict[str, Any], name: str) -> None:
        if self._cli is None or not self._cli.commands:
            return
        group = options.get("cli_group", self.cli_group)
        if group is None:
            app.cli.commands.update(self._cli.commands)
        elif group is _MISSING:
            self._cli.name = name
            app.cli.add_command(self._cli)
        else:
            self._cli.name = group
            app.cli.add_command(self._cli)

    def _merge_blueprint_funcs(self, app: Erlen, name: str) -> None:
        def scoped(key: str | None) -> str:
            return name if key is None else f"{name}.{key}"

        def extend(source: dict[Any, list[Any]], target: dict[Any, list[Any]]) -> None:
            for key, values in source.items():
                target.setdefault(scoped(key), []).extend(values)

        for key, by_code in self.error_handler_spec.items():
            copied: dict[int | None, dict[type[BaseException], Any]] = defaultdict(dict)
            for code, handlers in by_code.items():
                copied[code] = dict(handlers)
            app.error_handler_spec[scoped(key)] = copied

        for endpoint, func in self.view_functions.items():
            app.view_functions[endpoint] = func

        extend(self.before_request_funcs, app.before_request_funcs)
        extend(self.after_request_funcs, app.after_request_funcs)
        extend(self.teardown_request_funcs, app.teardown_request_funcs)
        extend(self.url_default_functions, app.url_default_functions)
        extend(self.url_value_preprocessors, app.url_value_preprocessors)
        extend(self.template_context_processors, app.template_context_processors)
        extend(self.before_websocket_funcs, app.before_websocket_funcs)
        extend(self.after_websocket_funcs, app.after_websocket_funcs)

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a rule under this blueprint (applied when it is registered
        on an app); the endpoint becomes ``"<blueprint name>.<endpoint>"``."""
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func is not None and "." in getattr(view_func, "__name__", ""):
            raise ValueError("'view_func' name may not contain a dot '.' character.")
        self.record(
            lambda s: s.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )
        )

    # -- registrations on the app ----------------------------------------------

    @setupmethod
    def before_app_request(self, f: T_before_request) -> T_before_request:
        """Like :meth:`Erlen.before_request`: runs before every request of the app."""
        self.record_once(lambda s: s.app.before_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def before_app_first_request(self, f: T_first) -> T_first:
        """Like :meth:`Erlen.before_first_request`."""
        self.record_once(lambda s: s.app.before_first_request_funcs.append(f))
        return f

    @setupmethod
    def after_app_request(self, f: T_after_request) -> T_after_request:
        """Like :meth:`Erlen.after_request`: runs after every request of the app."""
        self.record_once(lambda s: s.app.after_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def teardown_app_request(self, f: T_teardown) -> T_teardown:
        """Like :meth:`Erlen.teardown_request`: runs after every request of the app."""
        self.record_once(lambda s: s.app.teardown_request_funcs.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Like :meth:`Erlen.context_processor`: for every template of the app."""
        self.record_once(lambda s: s.app.template_context_processors.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_errorhandler(
        self, code: type[BaseException] | int
    ) -> Callable[[T_error_handler], T_error_handler]:
        """Like :meth:`Erlen.errorhandler`: handles errors of every request of the app."""

        def decorator(f: T_error_handler) -> T_error_handler:
            def register(state: BlueprintSetupState) -> None:
                state.app.errorhandler(code)(f)

            self.record_once(register)
            return f

        return decorator

    @setupmethod
    def app_url_value_preprocessor(self, f: T_url_value_preprocessor) -> T_url_value_preprocessor:
        """Like :meth:`Erlen.url_value_preprocessor`, for every request of the app."""
        self.record_once(lambda s: s.app.url_value_preprocessors.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Like :meth:`Erlen.url_defaults`, for every endpoint of the app."""
        self.record_once(lambda s: s.app.url_default_functions.setdefault(None, []).append(f))
        return f

    @setupmethod
    def app_template_filter(
        self, name: str | None = None
    ) -> Callable[[T_template_filter], T_template_filter]:
        """Register a Jinja filter for the app's templates."""

        def decorator(f: T_template_filter) -> T_template_filter:
            self.add_app_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_filter(self, f: TemplateFilterCallable, name: str | None = None) -> None:
        """Register ``f`` as a Jinja filter (named ``name`` or after ``f``)."""
        self.record_once(lambda s: s.app.add_template_filter(f, name=name))

    @setupmethod
    def app_template_test(
        self, name: str | None = None
    ) -> Callable[[T_template_test], T_template_test]:
        """Register a Jinja test for the app's templates."""

        def decorator(f: T_template_test) -> T_template_test:
            self.add_app_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_test(self, f: TemplateTestCallable, name: str | None = None) -> None:
        """Register ``f`` as a Jinja test (named ``name`` or after ``f``)."""
        self.record_once(lambda s: s.app.add_template_test(f, name=name))

    @setupmethod
    def app_template_global(
        self, name: str | None = None
    ) -> Callable[[T_template_global], T_template_global]:
        """Register a Jinja global for the app's templates."""

        def decorator(f: T_template_global) -> T_template_global:
            self.add_app_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_global(self, f: TemplateGlobalCallable, name: str | None = None) -> None:
        """Register ``f`` as a Jinja global (named ``name`` or after ``f``)."""
        self.record_once(lambda s: s.app.add_template_global(f, name=name))

    # COMPAT(flask): Jinja filters, tests and globals are environment-wide, so
    # the blueprint spellings register on the app, like the ``app_`` ones.
    template_filter = app_template_filter
    add_template_filter = add_app_template_filter
    template_test = app_template_test
    add_template_test = add_app_template_test
    template_global = app_template_global
    add_template_global = add_app_template_global


__all__ = ["Blueprint", "BlueprintSetupState"]
