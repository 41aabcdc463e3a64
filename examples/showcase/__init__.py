"""The erlen showcase: a tour of erlen and its batteries (``bash scripts/demo`` serves it)."""
