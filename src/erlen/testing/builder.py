"""Build the WSGI environ of a test request.

:class:`EnvironBuilder` lives in the toolkit, :mod:`erlen.http.environ_builder`
(as Werkzeug keeps ``werkzeug.test`` in its own package), so that the
toolkit's ``Request.from_values()`` has it. This module re-exports it in the
framework's testing package, together with the private helpers that the test
client, its cookie jar and its transports import from here::

    builder = EnvironBuilder(app, "/search", query_string={"q": "erlen"})
    environ = builder.get_environ()
"""

from __future__ import annotations

from erlen.http.environ_builder import EnvironBuilder as EnvironBuilder
from erlen.http.environ_builder import _auth_header as _auth_header
from erlen.http.environ_builder import _file_name as _file_name
from erlen.http.environ_builder import _guess_type as _guess_type
from erlen.http.environ_builder import _host_name as _host_name
from erlen.http.environ_builder import _host_port as _host_port
from erlen.http.environ_builder import _int_or_none as _int_or_none
from erlen.http.environ_builder import _is_file as _is_file
from erlen.http.environ_builder import _iter_form as _iter_form
from erlen.http.environ_builder import _query_text as _query_text
from erlen.http.environ_builder import _remaining_length as _remaining_length
from erlen.http.environ_builder import _version as _version
from erlen.http.environ_builder import _with_content_type as _with_content_type

__all__ = ["EnvironBuilder"]
