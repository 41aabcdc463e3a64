"""Jinja2 templates: the app's environment and the render functions views call.

Templates are looked up in the app's ``template_folder`` (``templates`` next to
the app) first, then in each blueprint's ``template_folder`` in the order the
blueprints were registered, so an app can override a blueprint's template by
putting one at the same path. Templates named ``*.html``, ``*.htm``, ``*.xml``,
``*.xhtml`` and ``*.svg``, and every template rendered from a string, escape the
values they print::

    @app.route("/")
    def index():
        return render_template("index.html", user_input="<script>alert(1)</script>")
"""

from __future__ import annotations

import typing as t
from collections import ChainMap
from collections.abc import Callable, Iterator, KeysView, Mapping
from types import BuiltinFunctionType, CodeType, FunctionType, MethodType

import markupsafe
from jinja2 import BaseLoader, Template, TemplateNotFound, pass_eval_context
from jinja2 import Environment as BaseEnvironment
from jinja2.runtime import Context, Macro, new_context
from jinja2.utils import internalcode
from markupsafe import Markup

from erlen.flashing import get_flashed_messages
from erlen.globals import _request_ctx, current_app, g, request, session
from erlen.helpers import stream_with_context
from erlen.signals import before_render_template, template_rendered

if t.TYPE_CHECKING:
    from erlen.app import Erlen

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "create_jinja_environment",
    "get_template_attribute",
    "render_template",
    "render_template_string",
    "select_jinja_autoescape",
    "stream_template",
    "stream_template_string",
]

_AUTOESCAPE_SUFFIXES = (".html", ".htm", ".xml", ".xhtml", ".svg")
# Every name getattr() finds on a plain dict: dict's and object's attributes
# (an exact dict has no instance attributes).
_DICT_ATTRIBUTES = frozenset(dir(dict))

TemplateNames: t.TypeAlias = str | Template | list[str | Template]

# Callables whose ``__call__`` is a bare method-wrapper, which never carries
# Jinja's ``jinja_pass_arg`` mark (see _Context.call).
_PLAIN_CALLABLES = (FunctionType, MethodType, BuiltinFunctionType)
# A template's macros ({{ card(item) }}): Macro.__call__ asks for the eval
# context (Jinja 3.1 marks it so); checked once, not per call.
_MACRO_WANTS_EVAL_CONTEXT = getattr(Macro.__call__, "jinja_pass_arg", None) is getattr(
    pass_eval_context(lambda eval_ctx: None), "jinja_pass_arg", False
)


def _escape_for_output(escape_text: Callable[[str], str]) -> Callable[[t.Any], Markup]:
    """markupsafe's ``escape`` for what a template prints, without the
    Python-level ``Markup.__new__`` call for a str, int or float.

    PERF: MarkupSafe 3 wrote ``escape`` in Python: a str costs two Python
    frames (escape, then Markup.__new__); an autoescaping template calls it
    for every ``{{ ... }}`` (the benchmarks' 20-item page: 61 times, about
    4 µs). The answer is the same Markup with the same text.
    """
    escape = markupsafe.escape
    new_str = str.__new__

    def escape_output(value: t.Any) -> Markup:
        kind = type(value)
        if kind is str:
            return new_str(Markup, escape_text(value))
        if kind is int or kind is float:
            # Digits, a sign, a dot, "e", "inf" or "nan": nothing to escape.
            return new_str(Markup, str(value))
        if kind is Markup:
            # Safe already (a macro's output): markupsafe would copy it.
            return value  # type: ignore[no-any-return]
        return escape(value)

    return escape_output


def _output_escape() -> Callable[[t.Any], Markup] | None:
    # MarkupSafe 2 had escape in C already; only MarkupSafe 3's Python
    # escape (with its C _escape_inner) is worth replacing.
    escape_text = getattr(markupsafe, "_escape_inner", None)
    if escape_text is None or not isinstance(markupsafe.escape, FunctionType):
        return None
    return _escape_for_output(escape_text)


_ESCAPE_OUTPUT = _output_escape()


def select_jinja_autoescape(filename: str | None) -> bool:
    """Whether a template escapes what it prints: yes for templates from a
    string (no file name) and for HTML, XML and SVG file names."""
    if filename is None:
        return True
    return filename.endswith(_AUTOESCAPE_SUFFIXES)


class _GlobalsKeys(KeysView[str]):
    """The keys of a template's globals, with a set difference in C."""

    def __rsub__(self, other: t.Iterable[t.Any]) -> set[t.Any]:
        # PERF: Jinja computes ``context.globals_keys - template.globals.keys()``
        # for every ``{% import %}`` and ``{% from ... import %}``; the ABC's
        # answer tests each key against the ChainMap in Python (about 5 µs
        # for a dozen globals), set.difference over its maps gives the same
        # set in one call.
        mapping = self._mapping  # type: ignore[attr-defined]
        if isinstance(other, set | frozenset) and type(mapping) is _TemplateGlobals:
            return set(other).difference(*mapping.maps)
        return super().__rsub__(other)


class _TemplateGlobals(ChainMap[str, t.Any]):
    """A template's globals: its own over the environment's, as Jinja makes them."""

    def keys(self) -> _GlobalsKeys:
        return _GlobalsKeys(self)


class _Context(Context):
    """Jinja's render context, with a shorter way through :meth:`call` for
    plain functions, methods and macros."""

    @internalcode
    def call(__self, __obj: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Call ``__obj`` from a template, passing the context, eval context
        or environment first when it asks for one (Jinja's rule, unchanged).

        PERF: for a function, method or builtin the only mark that can ask
        is ``jinja_pass_arg`` on the callable itself (their ``__call__`` is
        a method-wrapper without attributes), so one getattr answers; a
        macro's ``__call__`` always asks for the eval context. Jinja's own
        path asks twice, through two more frames (``loop.cycle(...)``:
        about 1 µs -> 0.4 µs).
        """
        if __debug__:
            __traceback_hide__ = True  # read by Jinja's tracebacks
        kind = type(__obj)
        if kind in _PLAIN_CALLABLES:
            if getattr(__obj, "jinja_pass_arg", None) is not None:
                return super().call(__obj, *args, **kwargs)
        elif kind is Macro and _MACRO_WANTS_EVAL_CONTEXT:
            # Jinja calls the macro's __call__ with the eval context first.
            args = (__self.eval_ctx, *args)
        else:
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


class _Template(Template):
    """A Jinja template whose render context is built without walking a
    ChainMap, and whose output escaping skips markupsafe's extra frame."""

    @classmethod
    def from_code(
        cls,
        environment: BaseEnvironment,
        code: CodeType,
        globals: t.MutableMapping[str, t.Any],
        uptodate: Callable[[], bool] | None = None,
    ) -> Template:
        template = super().from_code(environment, code, globals, uptodate)
        if _ESCAPE_OUTPUT is not None:
            # The compiled module prints through the name ``escape`` in its
            # own namespace (the render functions' globals): that one name
            # is rebound; filters such as ``|e`` keep markupsafe's.
            namespace = template.root_render_func.__globals__
            if namespace.get("escape") is markupsafe.escape:
                namespace["escape"] = _ESCAPE_OUTPUT
        return template

    def new_context(
        self,
        vars: dict[str, t.Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, t.Any] | None = None,
    ) -> Context:
        template_globals = self.globals
        if shared or type(template_globals) not in (ChainMap, _TemplateGlobals):
            return super().new_context(vars, shared, locals)
        # PERF: Jinja copies the globals with dict(ChainMap), one Python-level
        # lookup per global (about 0.4 µs each, and an app has a dozen); merging
        # the maps with dict.update gives the same keys, order and values.
        parent: dict[str, t.Any] = {}
        for mapping in reversed(template_globals.maps):  # type: ignore[attr-defined]
            parent.update(mapping)
        if vars:
            parent.update(vars)
        return new_context(
            self.environment, self.name, self.blocks, parent, True, template_globals, locals
        )


class Environment(BaseEnvironment):
    """The app's Jinja environment; it knows its app (``env.app``).

    Without a ``loader`` option it uses the app's
    :meth:`~erlen.Erlen.create_global_jinja_loader` (a
    :class:`DispatchingJinjaLoader` over the app and its blueprints).
    """

    template_class = _Template
    context_class = _Context

    def __init__(self, app: Erlen, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        super().__init__(**options)
        self.app = app
        # Templates render_template_string compiled, by source (see
        # _string_template).
        self._string_templates: dict[str, Template] = {}

    def make_globals(self, d: t.MutableMapping[str, t.Any] | None) -> t.MutableMapping[str, t.Any]:
        """A template's globals: ``d`` over the environment's globals (Jinja's
        ChainMap, whose ``keys()`` answers imports' set difference in C)."""
        return _TemplateGlobals({} if d is None else d, self.globals)

    def getattr(self, obj: t.Any, attribute: str) -> t.Any:
        """``obj.attribute`` in a template: the attribute, else the item, else
        undefined (Jinja's rule, unchanged).

        PERF: for a plain dict (a JSON document, a database row) the item is
        looked up first when no dict attribute has that name, which is the
        same answer without the AttributeError Jinja raises and catches on
        the way (``{{ item.name }}``: 545 -> 80 ns; the 20-item template of
        the benchmarks, 40 such lookups: 114 -> 92 µs).
        """
        if type(obj) is not dict or attribute in _DICT_ATTRIBUTES:
            # Jinja's rule written out here: one frame fewer for
            # ``loop.cycle`` and every attribute of an object.
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


class DispatchingJinjaLoader(BaseLoader):
    """Find a template in the app's folder, then in each blueprint's folder.

    Blueprints are searched in registration order; the first folder that has
    the template wins. With ``EXPLAIN_TEMPLATE_LOADING`` set, every lookup is
    logged to ``app.logger`` with the folders tried.
    """

    def __init__(self, app: Erlen) -> None:
        self.app = app

    def _loaders(self) -> Iterator[tuple[t.Any, BaseLoader]]:
        app = self.app
        loader = app.jinja_loader
        if loader is not None:
            yield app, loader
        for blueprint in app.blueprints.values():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def get_source(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if self.app.config.get("EXPLAIN_TEMPLATE_LOADING"):
            return self._get_source_explained(environment, template)
        for _, loader in self._loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _get_source_explained(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        lines = [f"Locating template {template!r}:"]
        found: tuple[str, str | None, Callable[[], bool] | None] | None = None
        for owner, loader in self._loaders():
            where = f"{type(owner).__name__} {getattr(owner, 'name', owner)!r}"
            searchpath = getattr(loader, "searchpath", None)
            try:
                source = loader.get_source(environment, template)
            except TemplateNotFound:
                lines.append(f"  {where} ({searchpath}): no match")
                continue
            lines.append(f"  {where} ({searchpath}): found at {source[1]!r}")
            if found is None:
                found = source
        if found is None:
            lines.append("  Error: the template was not found.")
        self.app.logger.info("\n".join(lines))
        if found is None:
            raise TemplateNotFound(template)
        return found

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for _, loader in self._loaders():
            names.update(loader.list_templates())
        return sorted(names)


def create_jinja_environment(app: Erlen) -> Environment:
    """Build the app's Jinja environment from ``app.jinja_options`` and config.

    Autoescaping follows :func:`select_jinja_autoescape` (or the app's method of
    that name), templates reload when changed if ``TEMPLATES_AUTO_RELOAD`` is
    set (by default in debug mode), and ``url_for``, ``get_flashed_messages``,
    ``config``, ``request``, ``session`` and ``g`` are globals. The ``tojson``
    filter dumps with ``app.json``.
    """
    options = dict(getattr(app, "jinja_options", None) or {})
    if "autoescape" not in options:
        options["autoescape"] = app.select_jinja_autoescape
    if "auto_reload" not in options:
        auto_reload = app.config.get("TEMPLATES_AUTO_RELOAD")
        if auto_reload is None:
            auto_reload = app.debug
        options["auto_reload"] = bool(auto_reload)
    env = app.jinja_environment(app, **options)
    env.globals.update(
        url_for=app.url_for,
        get_flashed_messages=get_flashed_messages,
        config=app.config,
        # COMPAT(flask): the proxies are globals so that imported macros and
        # templates rendered without a context processor still see them.
        request=request,
        session=session,
        g=g,
    )
    env.policies["json.dumps_function"] = app.json.dumps
    return env


def _current_app() -> Erlen:
    return current_app._get_current_object()  # type: ignore[attr-defined, no-any-return]


def _send(signal: t.Any, app: Erlen, template: Template, context: dict[str, t.Any]) -> None:
    # PERF: a signal with no receivers costs one attribute check.
    if signal.receivers:
        signal.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)


def _render(app: Erlen, template: Template, context: dict[str, t.Any]) -> str:
    app.update_template_context(context)
    _send(before_render_template, app, template, context)
    rv = template.render(context)
    _send(template_rendered, app, template, context)
    return rv


def render_template(template_name_or_list: TemplateNames, **context: t.Any) -> str:
    """Render a template from the template folders with ``context`` as its
    variables.

    :param template_name_or_list: a template name, a loaded template, or a list
        of them: the first one that exists is rendered.
    :param context: the variables the template sees, on top of the context
        processors' (the view's values win).
    """
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


#: The most templates compiled from source strings kept per environment, and
#: the longest source kept.
_STRING_TEMPLATES = 128
_STRING_TEMPLATE_SOURCE = 64 * 1024


def _string_template(env: BaseEnvironment, source: str) -> Template:
    """``env.from_string(source)``, compiled once per source.

    PERF: Jinja compiles a string template on every ``from_string`` (about
    1 ms for a page); the result depends only on the source and the
    environment, so erlen's environment keeps it, as Jinja keeps templates
    loaded by name. Not kept: with ``auto_reload`` (debug), with Jinja's
    cache off (``cache_size=0``), for another environment class, or for a
    source over 64 KiB; the store is emptied when it holds 128.
    """
    store: dict[str, Template] | None = getattr(env, "_string_templates", None)
    if (
        store is None
        or env.auto_reload
        or env.cache is None
        or len(source) > _STRING_TEMPLATE_SOURCE
    ):
        return env.from_string(source)
    template = store.get(source)
    if template is None:
        template = env.from_string(source)
        if len(store) >= _STRING_TEMPLATES:
            # SECURITY: bounded, in case sources vary per request.
            store.clear()
        store[source] = template
    return template


def render_template_string(source: str, **context: t.Any) -> str:
    """Render a template given as source text; it always autoescapes.

    :param source: the Jinja source.
    :param context: the variables the template sees.
    """
    app = _current_app()
    template = _string_template(app.jinja_env, source)
    return _render(app, template, context)


def _stream(app: Erlen, template: Template, context: dict[str, t.Any]) -> Iterator[str]:
    app.update_template_context(context)
    _send(before_render_template, app, template, context)

    def generate() -> Iterator[str]:
        yield from template.generate(context)
        _send(template_rendered, app, template, context)

    stream = generate()
    if _request_ctx() is not None:
        # The response body is read after the view returns; keep the request
        # context (request, session, url_for) alive while the template runs.
        stream = stream_with_context(stream)
    return stream


def stream_template(template_name_or_list: TemplateNames, **context: t.Any) -> Iterator[str]:
    """Render a template piece by piece as an iterator of strings.

    Return it from a view (``return stream_template("feed.html", rows=rows)``)
    to send the page while it renders. Inside a request the iterator keeps the
    request context, so the template can use ``request`` and ``url_for``.
    """
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: t.Any) -> Iterator[str]:
    """Render template source piece by piece as an iterator of strings; see
    :func:`stream_template`."""
    app = _current_app()
    template = _string_template(app.jinja_env, source)
    return _stream(app, template, context)


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """Return a macro or variable defined in a template, to call from Python.

    With a template ``_cider.html`` defining ``{% macro hello(name) %}``::

        hello = get_template_attribute("_cider.html", "hello")
        return hello("World")
    """
    return getattr(_current_app().jinja_env.get_template(template_name).module, attribute)
