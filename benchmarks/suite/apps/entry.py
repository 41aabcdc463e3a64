"""The module servers import: ``suite.apps.entry:app``.

Which app it builds comes from ``ERLEN_BENCH_APP`` (a key of
:data:`suite.apps.APPS`); the fixtures folder from ``ERLEN_BENCH_FIXTURES``.
"""

from __future__ import annotations

import os

from ..fixtures import Fixtures
from . import BY_KEY

app = BY_KEY[os.environ["ERLEN_BENCH_APP"]].build(Fixtures.from_env())
