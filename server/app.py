"""The one composition root: ``create_app(settings)`` wires every feature into Litestar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, MediaType, Response, get
from litestar.config.response_cache import ResponseCacheConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.middleware import DefineMiddleware
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXPlugin, HTMXRequest
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.registry import StoreRegistry

from server import db
from server.accounts import api as accounts_api
from server.accounts import pages as accounts_pages
from server.events import api as events_api
from server.events import pages as events_pages
from server.settings import Settings
from server.web import templates
from server.web.errors import EXCEPTION_HANDLERS
from server.web.security import BearerAwareCSRFMiddleware, csrf_config, security_headers_hook

SESSION_MAX_AGE_S = 14 * 24 * 3600


@get("/healthz", include_in_schema=False, cache_control=CacheControlHeader(no_store=True))
async def healthz() -> Response[dict[str, str]]:
    """200 when the database answers, 503 otherwise (for load balancers and orchestration)."""
    if await db.ping():
        return Response({"status": "ok"}, media_type=MediaType.JSON)
    return Response({"status": "database unavailable"}, status_code=503, media_type=MediaType.JSON)


def _stores(settings: Settings) -> StoreRegistry:
    if settings.redis_url:
        from litestar.stores.redis import RedisStore

        root = RedisStore.with_client(url=settings.redis_url)
        stores: dict[str, Store] = {
            "sessions": root.with_namespace("muster_sessions"),
            "rate_limit": root.with_namespace("muster_rate_limit"),
            "response_cache": root.with_namespace("muster_cache"),
        }
    else:
        stores = {
            "sessions": MemoryStore(),
            "rate_limit": MemoryStore(),
            "response_cache": MemoryStore(),
        }
    return StoreRegistry(stores=stores)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    engine = db.make_engine(settings.database_url)
    db.bind(engine)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.start(engine)
        try:
            yield
        finally:
            await db.stop(engine)

    session = ServerSideSessionConfig(
        key="__Host-session" if settings.https else "session",
        secure=settings.https,
        httponly=True,
        samesite="lax",
        max_age=SESSION_MAX_AGE_S,
        store="sessions",
    )
    csrf = csrf_config(settings)
    app = Litestar(
        route_handlers=[
            healthz,
            create_static_files_router(
                path="/static",
                directories=[templates.STATIC_DIR],
                cache_control=CacheControlHeader(max_age=31536000, public=True),
                include_in_schema=False,
            ),
            *accounts_pages.ROUTES,
            *accounts_api.ROUTES,
            *events_pages.ROUTES,
            *events_api.ROUTES,
        ],
        lifespan=[lifespan],
        middleware=[
            session.middleware,
            DefineMiddleware(BearerAwareCSRFMiddleware, config=csrf),
        ],
        before_send=[security_headers_hook(settings)],
        plugins=[HTMXPlugin()],
        request_class=HTMXRequest,
        template_config=templates.template_config(),
        stores=_stores(settings),
        response_cache_config=ResponseCacheConfig(store="response_cache"),
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Muster API",
            version="1.0.0",
            path="/schema",
            # JSON only: the bundled UIs load their JavaScript from a CDN.
            render_plugins=[JsonRenderPlugin()],
        ),
        state=State({"settings": settings}),
        debug=False,  # tracebacks never reach a client; they are logged instead
    )
    return app
