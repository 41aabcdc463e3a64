"""erlen: Flask's API on its own HTTP toolkit, served over WSGI and ASGI."""
