"""Piccolo's entry point: ``DB`` (the engine) and the one app registry.

``DB`` is not a variable here but looked up on each use (PEP 562): Piccolo reads it with
``getattr`` (``engine_finder``) and gets whatever ``server.db`` holds, so this module
builds nothing when imported and ``server.db.bind`` never has to write into it.
"""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

from server import db

APP_REGISTRY = AppRegistry(apps=["server.piccolo_app"])


def __getattr__(name: str) -> Engine:
    if name == "DB":
        return db.engine()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
