"""The erlen showcase: a small multi-page app (``bash scripts/demo`` serves it)."""
