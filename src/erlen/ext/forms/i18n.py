"""Translated WTForms messages ("This field is required.") for the request.

Flask-WTF hands WTForms the locale of Flask-Babel. erlen has no Babel, so
the request's ``Accept-Language`` chooses among the catalogs WTForms ships;
``WTF_I18N_ENABLED = False`` turns it off (English, or the form's own
``Meta.locales``).
"""

from __future__ import annotations

import functools
import os
from typing import Any

from wtforms.i18n import get_translations, messages_path

from erlen import current_app, has_request_context, request

__all__ = [
    "Translations",
    "preferred_locale",
    "request_translations",
    "shipped_locales",
    "translations",
]

# English is WTForms' source language: its messages need no catalog, and a
# client preferring it must not get its second choice instead.
SOURCE_LOCALE = "en"


@functools.cache
def shipped_locales() -> tuple[str, ...]:
    """The locales WTForms has a message catalog for (``"de"``, ``"pt_BR"``...)."""
    root = messages_path()
    found = [
        name
        for name in os.listdir(root)
        if os.path.isfile(os.path.join(root, name, "LC_MESSAGES", "wtforms.mo"))
    ]
    if SOURCE_LOCALE not in found:
        found.append(SOURCE_LOCALE)
    return tuple(sorted(found))


@functools.cache
def _translations_for(locale: str) -> Any:
    # PERF: one catalog load per locale per process; the key is one of the
    # shipped locales, never raw header text, so the cache stays bounded.
    return get_translations([locale])


@functools.cache
def _shipped_by_tag() -> dict[str, str]:
    return {_tag(locale): locale for locale in shipped_locales()}


def _tag(language: str) -> str:
    return language.replace("_", "-").lower()


def preferred_locale(accept_languages: Any) -> str | None:
    """The shipped locale for the client's most preferred language that has
    one: ``de-AT`` gets ``de``, ``de-CH`` gets ``de_CH``.

    Each language is tried whole, then by its primary subtag, before the
    next one, so ``en-US, de;q=0.8`` stays English.
    """
    shipped = _shipped_by_tag()
    for language, quality in sorted(accept_languages, key=lambda item: -item[1]):
        if quality <= 0 or language == "*":
            continue
        tag = _tag(language)
        locale = shipped.get(tag) or shipped.get(tag.split("-", 1)[0])
        if locale is not None:
            return locale
    return None


def request_translations() -> Any:
    """The WTForms translations for the client's preferred language, or None
    (English) outside a request or without a match."""
    if not has_request_context():
        return None
    if not request.headers.get("Accept-Language"):
        return None
    locale = preferred_locale(request.accept_languages)
    if locale is None or locale == SOURCE_LOCALE:
        return None
    return _translations_for(locale)


def _enabled_translations() -> Any:
    # As the forms' Meta decides: off with WTF_I18N_ENABLED = False.
    if not has_request_context() or not current_app.config.get("WTF_I18N_ENABLED", True):
        return None
    return request_translations()


class Translations:
    """WTForms' messages in the request's language (Flask-WTF's
    ``flask_wtf.i18n.Translations``): ``gettext`` and ``ngettext`` answer
    from :func:`request_translations`, and as given (English) outside a
    request or without a catalog for the client's language."""

    def gettext(self, string: str) -> str:
        """``string`` translated."""
        catalog = _enabled_translations()
        return string if catalog is None else str(catalog.gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """``singular`` or ``plural`` as ``n`` asks, translated."""
        catalog = _enabled_translations()
        if catalog is None:
            return singular if n == 1 else plural
        return str(catalog.ngettext(singular, plural, n))


#: The shared instance, as ``flask_wtf.i18n.translations``.
translations = Translations()
