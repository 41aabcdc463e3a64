"""Flask-Compress's own test suite (the 1.25 source distribution), run on erlen.

Flask-Compress itself is unchanged (the sdist's own ``flask_compress``
package, at its root, is what its tests import); ``import flask`` and
``import werkzeug`` give erlen's modules through ``erlen.flask_patch`` alone
(``plugin="erlen_flask_patch"``), as for a user who imports it first. Every
test must pass except those listed below, each with the reason; a listed
test that starts passing fails this test too, so the list stays exact.

The suite covers gzip, deflate, Brotli and Zstandard bodies, streamed
responses, ``Vary`` and ``ETag`` handling, per-view ``@compress.compressed()``
and its use with Flask-Caching.
"""

from __future__ import annotations

import pytest
from own_suites.checks import assert_only_listed_failures, run_or_skip

FLASK_COMPRESS_VERSION = "1.25"

#: Flask-Compress's tests that fail on Flask-Compress 1.25 itself (with the
#: pinned Flask 3.1.3): none.
FAIL_ON_FLASK_COMPRESS: dict[str, str] = {}

#: Where erlen differs: nowhere the suite looks.
ERLEN_DIFFERS: dict[str, str] = {}


@pytest.mark.timeout(600)
def test_flask_compress_suite_passes_on_erlen_but_for_the_listed_differences() -> None:
    outcomes = run_or_skip("Flask-Compress", FLASK_COMPRESS_VERSION, plugin="erlen_flask_patch")
    # 56 tests in all; every one passes, on erlen as on Flask 3.1.3.
    assert_only_listed_failures(
        outcomes, ERLEN_DIFFERS, fail_on_original=FAIL_ON_FLASK_COMPRESS, min_passed=56
    )
