"""Flask-AppBuilder's own test suite (the 5.3.0 source distribution), run on
erlen through :mod:`erlen.flask_patch` alone.

Flask-AppBuilder itself is the installed, unchanged framework, and so are
the extensions it builds on (Flask-SQLAlchemy, Flask-Login,
Flask-JWT-Extended, Flask-Babel, Flask-Limiter, Flask-WTF, marshmallow-
sqlalchemy, apispec): ``import flask`` and ``import werkzeug`` give erlen's
modules (``plugin="erlen_flask_patch"``), as for a user who imports the
patch first. Every test must pass except those listed below, each with the
reason; a listed test that starts passing fails this test too, so the lists
stay exact.

The suite builds whole applications on SQLite: the security manager (its
database users, roles, permissions and groups, the login and logout views,
password complexity, rate limiting of the login with Flask-Limiter), the
model views over SQLAlchemy (list, show, add, edit, delete, filters, search,
actions, charts, menus), the REST API of ``ModelRestApi`` (JWT login and
refresh, rison query arguments, marshmallow schemas, the OpenAPI document of
apispec), the security REST API (users, roles, groups, permissions),
permission-name overrides and convergence, ``before_request`` hooks,
Flask-Babel, add-ons, the ``flask fab`` commands and the security signals.

What does not run: ``security/test_auth_ldap.py`` (needs python-ldap and an
LDAP server, or mockldap), ``security/test_auth_oauth.py`` and
``test_mvc_oauth.py`` (OAuth: they need Authlib and configure real
providers' endpoints), and ``test_fab_cli.py``'s two ``create-app`` tests
(they download the skeleton application from the network); nor
``test_security_api.py``'s ``test_update_role_groups_valid_group``, which
is flaky on Flask too (see ``_LEFT_OUT``).

Test-time setup, on erlen and on the original alike:

* Flask-AppBuilder 5.3.0 does not start with marshmallow 4 (its schemas for
  the security API ask for foreign-key columns that marshmallow-sqlalchemy
  1.x leaves out, which marshmallow 4 turns into a ``KeyError`` at start-up,
  a known upstream issue), while the compare extra has marshmallow 4 for the
  other suites: marshmallow 3.26.1 is installed apart, once, into the
  own-suites cache, and put first on the suite's path.
* The suite keeps its data in one SQLite file (``SQLALCHEMY_DATABASE_URI``,
  else ``tests/app.db`` in the sdist, which would outlive the run) and some
  of its tests leave rows behind that later ones trip over. Each run gets a
  new file in the test's temporary folder, and the REST API tests
  (``test_api.py``) run apart from the rest, with their own file, so that
  what one part leaves behind cannot change the other's outcomes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from own_suites.checks import (
    assert_only_listed_failures,
    prepend_to_suite_path,
    require_test_dependency,
    run_or_skip,
)
from own_suites.marshmallow_3 import marshmallow_3_path

FLASK_APPBUILDER_VERSION = "5.3.0"

_LEFT_OUT = (
    "--ignore=tests/security/test_auth_ldap.py",
    "--ignore=tests/security/test_auth_oauth.py",
    "--ignore=tests/test_mvc_oauth.py",
    "--deselect=tests/test_fab_cli.py::FlaskTestCase::test_create_app",
    "--deselect=tests/test_fab_cli.py::FlaskTestCase::test_create_app_invalid_secret_key",
    # Flaky, on Flask as on erlen (about one run in five fails): it asserts
    # the order of a role's groups, which nothing fixes (the relationship has
    # no order_by, and the association rows are written in an order that
    # varies from run to run).
    "--deselect=tests/test_security_api.py::RolePermissionAPITestCase::"
    "test_update_role_groups_valid_group",
)

#: The runs, each with a new database: the REST API tests, then the rest.
_RUNS: tuple[tuple[list[str], tuple[str, ...]], ...] = (
    (["tests/test_api.py"], ()),
    (["tests"], ("--ignore=tests/test_api.py", *_LEFT_OUT)),
)

_LEFTOVER_TEST_USER = (
    "an earlier test of the class (test_class_method_permission_override) adds the"
    " user 'test' and the role 'Test' and never removes them: this one's add_user"
    " then fails (UNIQUE ab_user.email) and the role holds more permissions than"
    " it counts (it passes alone)"
)
_LEFTOVER_ROWS = (
    "rows that earlier tests of the file leave in the shared database change what"
    " it lists (it passes alone)"
)
_NO_TEST_DATA = (
    "reads tests/data/roles.json, which the sdist does not ship (nor the tests/data"
    " folder it writes to)"
)

#: Flask-AppBuilder's tests that fail on Flask-AppBuilder 5.3.0 itself (with
#: the pinned Flask 3.1.3 / Werkzeug 3.1.9, SQLAlchemy 2.1, apispec 6.10 and
#: marshmallow 3.26.1), run as above. They fail the same way on erlen.
FAIL_ON_FLASK_APPBUILDER: dict[str, str] = {
    "tests/test_api.py::APITestCase::test_model_with_enum_oas": (
        "the installed apispec documents the enum schema with additionalProperties:"
        " false and None among a nullable enum's values; the test expects an older"
        " apispec's output"
    ),
    "tests/test_api.py::APITestCase::test_permission_converge_compress": _LEFTOVER_TEST_USER,
    "tests/test_api.py::APITestCase::test_permission_converge_expand": _LEFTOVER_TEST_USER,
    "tests/test_mvc.py::MVCTestCase::test_permission_converge_compress": _LEFTOVER_TEST_USER,
    "tests/test_custom_indexview.py::FlaskTestCase::test_custom_indexview": (
        "its index template (tests/templates/custom_index.html) is not in the sdist:"
        " the page is a 500"
    ),
    **{
        f"tests/test_fab_cli.py::SQLAlchemyImportExportTestCase::{name}": _NO_TEST_DATA
        for name in (
            "test_export_roles",
            "test_export_roles_filename",
            "test_export_roles_indent",
            "test_import_roles",
        )
    },
    "tests/test_security_api.py::UserAPITestCase::test_user_list": _LEFTOVER_ROWS,
    "tests/test_security_api.py::RolePermissionAPITestCase::"
    "test_list_view_menu_permissions_of_role": _LEFTOVER_ROWS,
    "tests/test_security_manager.py::test_user_changed_on_updates_on_role_change": (
        "a pytest function asking for an 'appbuilder' fixture that no conftest in the sdist defines"
    ),
}

#: Where erlen differs: nowhere.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(1800)
def test_flask_appbuilder_suite_passes_on_erlen(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    require_test_dependency(
        "flask_appbuilder", f"Flask-AppBuilder=={FLASK_APPBUILDER_VERSION}", "Flask-AppBuilder"
    )
    # Its dependencies the other suites do not bring; its tests' own
    # (parameterized for the password complexity tests, hiro for the rate
    # limiter's).
    require_test_dependency("prison", "prison", "Flask-AppBuilder")
    require_test_dependency("colorama", "colorama", "Flask-AppBuilder")
    require_test_dependency("parameterized", "parameterized", "Flask-AppBuilder")
    require_test_dependency("hiro", "hiro", "Flask-AppBuilder")
    prepend_to_suite_path(monkeypatch, marshmallow_3_path)
    outcomes: dict[str, str] = {}
    for number, (tests, pytest_args) in enumerate(_RUNS):
        database = tmp_path / f"fab-{number}.db"
        monkeypatch.setenv("SQLALCHEMY_DATABASE_URI", f"sqlite:///{database}")
        outcomes |= run_or_skip(
            "Flask-AppBuilder",
            FLASK_APPBUILDER_VERSION,
            tests,
            plugin="erlen_flask_patch",
            pytest_args=pytest_args,
        )
    # 397 tests: 385 pass, on erlen as on Flask 3.1.3; 12 listed.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_APPBUILDER, min_passed=385
    )
