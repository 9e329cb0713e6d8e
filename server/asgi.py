"""ASGI entry for servers that import an app object: ``server.asgi:app``."""

from server.app import create_app

app = create_app()
