"""Two app instances sharing one Redis, as behind a load balancer (REDIS_URL set).

Needs the Redis at 127.0.0.1:6379; tests using ``instances`` skip when it does not answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import redis
from litestar import Litestar

from server import crypto, db
from server.app import create_app
from server.mail import service as mail_service
from server.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture
async def instances(app: Litestar, settings: Settings) -> AsyncIterator[tuple[Litestar, Litestar]]:
    old_engine = db.engine()
    shared = replace(settings, redis_url=REDIS_URL)
    first, second = create_app(shared), create_app(shared)
    db.bind(old_engine)
    try:
        yield first, second
    finally:
        for application in (first, second):
            await application.stores.get("rate_limit").delete_all()
            await application.stores.get("sessions").delete_all()
        db.bind(old_engine)
        crypto.use_secret_key(settings.secret_key)
        mail_service.configure(settings)
