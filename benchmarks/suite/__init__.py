"""erlen's benchmark suite: erlen beside its peers, in-process and end to end.

Run it through ``bash benchmarks/run`` (see ``benchmarks/README.md``); the
package is importable as ``suite`` from the ``benchmarks`` folder.
"""
