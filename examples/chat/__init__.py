"""A real-time chat room on erlen's WebSocket support (see app.py)."""
