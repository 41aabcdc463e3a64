"""Run Flask's (and the extensions') own test suites against erlen.

The test files are not part of erlen: :mod:`.runner` downloads the pinned
source distribution from PyPI, and :mod:`.flask_as_erlen` (a pytest plugin)
makes ``import flask`` / ``import werkzeug`` give erlen's modules while
they run.
"""
