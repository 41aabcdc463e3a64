"""What Flask-RESTful 0.3.10's own suite does on Flask-RESTful itself with
the pinned Flask 3.1.3 / Werkzeug 3.1.9 (it was written for Flask < 2.3 and
Werkzeug < 2.1): shared by the run on the battery (test_rest_own_suite.py)
and the run of the real extension (test_flask_restful_on_erlen.py)."""

from __future__ import annotations

FLASK_RESTFUL_VERSION = "0.3.10"

_415 = "Flask 2.3+: request.json is a 415 for a request that is not JSON"

#: The reqparse tests that parse a ``Request.from_values()`` request with the
#: default locations, JSON first.
FROM_VALUES_JSON = [
    "test_parse",
    "test_parse_append",
    "test_parse_append_default",
    "test_parse_append_ignore",
    "test_parse_append_many",
    "test_parse_append_single",
    "test_parse_callable_default",
    "test_parse_choices",
    "test_parse_choices_correct",
    "test_parse_choices_insensitive",
    "test_parse_choices_sensitive",
    "test_parse_default",
    "test_parse_default_append",
    "test_parse_dest",
    "test_parse_eq",
    "test_parse_eq_other",
    "test_parse_foo_operators_four_hunderd",
    "test_parse_foo_operators_ignore",
    "test_parse_gte",
    "test_parse_gte_lte_eq",
    "test_parse_ignore",
    "test_parse_lte",
    "test_parse_lte_gte_append",
    "test_parse_lte_gte_missing",
    "test_parse_lte_gte_mock",
    "test_parse_none",
    "test_parse_store_missing",
    "test_parse_unicode",
    "test_passing_arguments_object",
    "test_request_parser_copy",
    "test_request_parser_replace_argument",
    "test_strict_parsing_off_partial_hit",
    "test_strict_parsing_on",
    "test_strict_parsing_on_partial_hit",
    "test_trim_argument",
    "test_trim_request_parser",
    "test_type_callable",
]

_PYTZ = "pytz zones put in tzinfo= have LMT offsets (+00:18)"

#: Flask-RESTful's tests that fail on Flask-RESTful 0.3.10 itself, found by
#: running it there (with the same stand-ins, own_suites/restful_suite.py).
FAIL_ON_FLASK_RESTFUL = {
    "tests/test_api.py::APITestCase::test_exception_header_forwarded": (
        "adds 304 to werkzeug.exceptions._aborter; flask.abort() uses app.aborter"
    ),
    "tests/test_api.py::APITestCase::test_redirect": (
        "Werkzeug 2.1+ keeps Location relative ('/', not 'http://localhost/')"
    ),
    "tests/test_api.py::APITestCase::test_media_types_method": (
        "Werkzeug 3 drops 'q=.5' (no leading 0) from Accept"
    ),
    "tests/test_api.py::APITestCase::test_media_types_q": "Werkzeug 3 drops 'q=.5'",
    "tests/test_fields.py::test_rfc822_datetime_formatters": _PYTZ,
    "tests/test_fields.py::test_iso8601_datetime_formatters": _PYTZ,
    "tests/test_fields.py::FieldsTestCase::test_iso8601_date_field_with_offset": _PYTZ,
    "tests/test_fields.py::FieldsTestCase::test_rfc822_date_field_with_offset": _PYTZ,
    "tests/test_reqparse.py::ReqParseTestCase::test_json_location": _415,
    "tests/test_reqparse.py::ReqParseTestCase::test_parse_unicode_app": _415,
    **{f"tests/test_reqparse.py::ReqParseTestCase::{name}": _415 for name in FROM_VALUES_JSON},
}
