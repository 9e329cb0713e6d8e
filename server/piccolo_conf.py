"""Piccolo's entry point: the engine named by DATABASE_URL and the one app registry.

The engine is built, not connected, at import; ``server.db.bind`` may replace it (tests,
``create_app``) and rebinds every table at the same time.
"""

import os

from piccolo.conf.apps import AppRegistry

from server.db import make_engine
from server.settings import DEFAULT_DATABASE_URL

DB = make_engine(os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL)

APP_REGISTRY = AppRegistry(apps=["server.piccolo_app"])
