"""Flask-SQLAlchemy's own test suite (the 3.1.1 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

Flask-SQLAlchemy itself is the real, installed one, unchanged (not erlen's
``erlen.ext.sqlalchemy`` battery, whose run of the same suite is
test_sqlalchemy_own_suite.py), on the installed SQLAlchemy and on SQLite as
the suite configures it; ``import flask`` and ``import werkzeug`` give
erlen's modules (``plugin="erlen_flask_patch"``), as for a user who imports
``erlen.flask_patch`` first. Every test must pass except those listed below,
each with the reason; a listed test that starts passing fails this test too,
so the list stays exact.
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_SQLALCHEMY_VERSION = "3.1.1"

_DATACLASS = (
    "Flask-SQLAlchemy 3.1.1 cannot build a MappedAsDataclass base on SQLAlchemy 2.1"
    " (InvalidRequestError: FlaskSQLAlchemyBase is already a dataclass)"
)

#: The tests run with each of the suite's bases, whose 3rd and 5th
#: (MappedAsDataclass) are the ``db2``/``db4`` or ``model_class2``/
#: ``model_class4`` parameters; ``{}`` is where the parameter goes.
_WITH_DB = [
    "tests/test_cli.py::test_shell_context[{}]",
    "tests/test_engine.py::test_default_engine[{}]",
    "tests/test_extension_object.py::test_get_or_404[{}]",
    *(
        f"tests/test_legacy_query.py::test_{name}[{{}}]"
        for name in ("default_query_class", "first_or_404", "get_or_404", "one_or_404", "paginate")
    ),
    "tests/test_metadata.py::test_default_metadata[{}]",
    "tests/test_model.py::test_model_repr[{}]",
    *(
        f"tests/test_model_bind.py::test_{name}[{{}}]"
        for name in (
            "bind_key_default",
            "explicit_metadata",
            "explicit_table",
            "inherit_abstract_parent",
            "inherit_parent",
            "metadata_per_bind",
            "multiple_binds_same_table_name",
        )
    ),
    *(
        f"tests/test_model_name.py::test_{name}[{{}}]"
        for name in (
            "abstract_name",
            "complex_inheritance",
            "correct_error_for_no_primary_key",
            "joined_name",
            "manual_name",
            "metadata_has_table",
            "mixin_attr",
            "mixin_id",
            "name",
            "no_access_to_class_property",
            "primary_constraint",
            "single_has_parent_table",
            "single_name",
        )
    ),
    *(
        f"tests/test_pagination.py::test_error_out[{{}}-{page}-{per_page}]"
        for page, per_page in (("0", "None"), ("None", "-1"), ("None", "abc"), ("abc", "None"))
    ),
    *(
        f"tests/test_pagination.py::test_{name}[{{}}]"
        for name in (
            "next_page_size",
            "no_count",
            "no_items_404",
            "paginate",
            "paginate_max",
            "paginate_qs",
        )
    ),
    "tests/test_session.py::test_scope[{}]",
    *(
        f"tests/test_table_bind.py::test_{name}[{{}}]"
        for name in (
            "bind_key_default",
            "explicit_metadata",
            "metadata_per_bind",
            "multiple_binds_same_table_name",
        )
    ),
    *(
        f"tests/test_view_query.py::test_{name}[{{}}]"
        for name in (
            "first_or_404",
            "paginate",
            "view_get_or_404",
            "view_get_or_404_typed",
            "view_one_or_404",
        )
    ),
]
_WITH_MODEL_CLASS = [
    *(
        f"tests/test_engine.py::test_{name}[{{}}]"
        for name in (
            "config_echo",
            "config_engine_options",
            "engine_per_bind",
            "init_engine_options",
            "mysql_defaults",
            "no_binds_error",
            "no_default_url",
            "sqlite_driver_level_uri",
            "sqlite_memory_defaults",
            "sqlite_relative_path",
        )
    ),
    *(
        f"tests/test_engine.py::test_url_type[{{}}-{value}]"
        for value in ("sqlite://", "value1", "value2", "value3")
    ),
    "tests/test_extension_object.py::test_get_or_404_kwargs[{}]",
    *(
        f"tests/test_metadata.py::test_{name}[{{}}]"
        for name in ("copy_naming_convention", "metadata_from_custom_model", "metadata_per_bind")
    ),
    "tests/test_model.py::test_abstractmodel[{}]",
    "tests/test_model.py::test_mixinmodel[{}]",
    *(
        f"tests/test_session.py::test_{name}[{{}}]"
        for name in (
            "custom_scope",
            "get_bind_inheritance",
            "session_class",
            "session_multiple_dbs",
            "session_uses_bind_key",
        )
    ),
    "tests/test_track_modifications.py::test_track_modifications[{}]",
]

#: Flask-SQLAlchemy's tests that fail on Flask-SQLAlchemy 3.1.1 itself (with
#: the pinned Flask 3.1.3 and the installed SQLAlchemy 2.1), and on erlen
#: alike: every one run with a MappedAsDataclass base. (With SQLAlchemy 2.0
#: those run, and the outcomes on erlen and on Flask are again the same.)
FAIL_ON_FLASK_SQLALCHEMY = {
    **{test.format(param): _DATACLASS for test in _WITH_DB for param in ("db2", "db4")},
    **{
        test.format(param): _DATACLASS
        for test in _WITH_MODEL_CLASS
        for param in ("model_class2", "model_class4")
    },
    "tests/test_model.py::test_declarativebasemapped_2x": _DATACLASS,
    "tests/test_model.py::test_declarativebasenometamapped_2x": _DATACLASS,
}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}

#: pytest-flask, when installed (another suite's test dependency), pushes a
#: request context around every test that has an ``app`` fixture: this
#: suite's checks that ``db.engine`` and ``db.session`` need an app context
#: then fail, on Flask too. It is kept out, on erlen and on the original.
_PYTEST_ARGS = ("-p", "no:flask")


@pytest.mark.timeout(900)
def test_flask_sqlalchemy_suite_passes_on_erlen() -> None:
    outcomes = run_or_skip(
        "flask-sqlalchemy",
        FLASK_SQLALCHEMY_VERSION,
        plugin="erlen_flask_patch",
        pytest_args=_PYTEST_ARGS,
    )
    # 452 tests in all: the 154 listed fail, the 298 others pass, as on Flask.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_SQLALCHEMY, min_passed=298
    )
