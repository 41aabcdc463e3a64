"""The containers of the HTTP toolkit: multi-value dicts, headers, uploads, parsed headers.

``MultiDict`` holds form data, query arguments and cookies (a key may have
several values), ``Headers`` holds HTTP headers (ordered, case-insensitive,
multi-valued), ``FileStorage`` is one uploaded file, ``TypeConversionDict``,
``CallbackDict`` and the ``Immutable*`` classes are general-purpose dicts and
lists, and the remaining classes are the parsed forms of structured headers
(``Accept``, ``Cache-Control``, ``ETag``/``If-None-Match``, ``Range``,
``Authorization``, ...). The functions that parse them live in
:mod:`erlen.http.headers`.

The API follows ``werkzeug.datastructures``, so code written for Werkzeug
works after changing the import.

One concept per submodule; import from this package, not from the submodules.
"""

from __future__ import annotations

from .accept import Accept as Accept
from .accept import CharsetAccept as CharsetAccept
from .accept import LanguageAccept as LanguageAccept
from .accept import MIMEAccept as MIMEAccept
from .auth import Authorization as Authorization
from .auth import WWWAuthenticate as WWWAuthenticate
from .cache_control import RequestCacheControl as RequestCacheControl
from .cache_control import ResponseCacheControl as ResponseCacheControl
from .cache_control import _CacheControl as _CacheControl
from .callback_dict import CallbackDict as CallbackDict
from .csp import ContentSecurityPolicy as ContentSecurityPolicy
from .file_storage import FileMultiDict as FileMultiDict
from .file_storage import FileStorage as FileStorage
from .headers import Headers as Headers
from .headers import HeaderSet as HeaderSet
from .immutable_list import ImmutableList as ImmutableList
from .multidict import CombinedMultiDict as CombinedMultiDict
from .multidict import ImmutableDict as ImmutableDict
from .multidict import ImmutableMultiDict as ImmutableMultiDict
from .multidict import ImmutableTypeConversionDict as ImmutableTypeConversionDict
from .multidict import MultiDict as MultiDict
from .multidict import TypeConversionDict as TypeConversionDict
from .multidict import iter_multi_items as iter_multi_items
from .range import ContentRange as ContentRange
from .range import ETags as ETags
from .range import IfRange as IfRange
from .range import Range as Range
from .user_agent import UserAgent as UserAgent

__all__ = [
    "Accept",
    "Authorization",
    "CallbackDict",
    "CharsetAccept",
    "CombinedMultiDict",
    "ContentRange",
    "ContentSecurityPolicy",
    "ETags",
    "FileMultiDict",
    "FileStorage",
    "HeaderSet",
    "Headers",
    "IfRange",
    "ImmutableDict",
    "ImmutableList",
    "ImmutableMultiDict",
    "ImmutableTypeConversionDict",
    "LanguageAccept",
    "MIMEAccept",
    "MultiDict",
    "Range",
    "RequestCacheControl",
    "ResponseCacheControl",
    "TypeConversionDict",
    "UserAgent",
    "WWWAuthenticate",
    "iter_multi_items",
]
