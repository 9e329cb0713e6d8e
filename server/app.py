"""The one composition root: ``create_app(settings)`` wires every feature into Litestar."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from litestar import Litestar, MediaType, Response, get
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.compression import CompressionConfig
from litestar.config.response_cache import ResponseCacheConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin, HTMXRequest
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.registry import StoreRegistry

from server import crypto, db, i18n
from server.accounts import admin_pages, members
from server.accounts import api as accounts_api
from server.accounts import audit_pages as accounts_audit
from server.accounts import invitation_pages as accounts_invitations
from server.accounts import notices as accounts_notices
from server.accounts import pages as accounts_pages
from server.accounts import password_pages as accounts_passwords
from server.accounts import security_pages as accounts_security
from server.accounts import service as accounts_service
from server.actions import api as actions_api
from server.actions import pages as actions_pages
from server.calendar import routes as calendar_routes
from server.events import api as events_api
from server.events import discovery, places
from server.events import hooks as events_hooks
from server.events import pages as events_pages
from server.mail import account_notices as mail_account_notices
from server.mail import notices as mail_notices
from server.mail import pages as mail_pages
from server.mail import service as mail_service
from server.mail import worker as mail_worker
from server.privacy import lifecycle as privacy_lifecycle
from server.privacy import pages as privacy_pages
from server.privacy import volunteer_pages as privacy_volunteer_pages
from server.settings import Settings
from server.signups import api as signups_api
from server.signups import notices as signups_notices
from server.signups import pages as signups_pages
from server.signups import service as signups_service
from server.web import language, pwa, templates
from server.web.errors import EXCEPTION_HANDLERS
from server.web.ratelimit import SlidingWindowMemoryStore
from server.web.security import (
    CredentialHeaderCSRFMiddleware,
    api_csrf_token,
    csrf_config,
    security_headers_hook,
)
from server.web.sessions import QuietSessionConfig

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
            "rate_limit": SlidingWindowMemoryStore(),
            "response_cache": MemoryStore(),
        }
    return StoreRegistry(stores=stores)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    i18n.set_default(settings.default_language)
    engine = db.make_engine(settings.database_url)
    db.bind(engine)
    # Mail: site settings for messages; reminders follow moved events, invitations go out
    # by email. Listeners run inside the write transaction of the change they react to.
    mail_service.configure(settings)
    crypto.use_secret_key(settings.secret_key)  # every key at rest derives from it
    events_hooks.changed.subscribe(mail_notices.on_event_changed)
    # Signups: more places move the waitlist up; attendees hear of changes and cancellations.
    events_hooks.changed.subscribe(signups_service.on_event_changed)
    members.invitation_sent.subscribe(mail_notices.on_invitation)
    # Security notices (new token, 2FA changes, sign-up attempts) to the organizer's address.
    accounts_notices.notice_sent.subscribe(mail_account_notices.on_account_notice)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await db.start(engine)
        # Objects made at start-up (routes, templates, the gazetteer) live for the whole
        # process: keep them out of the cyclic GC's full collections (pauses seen: ~200 ms).
        gc.collect()
        gc.freeze()
        try:
            if settings.mail_worker:  # off for `muster serve --no-worker` (MAIL_WORKER=0)
                async with mail_worker.running(settings, mail_service.config()):
                    yield
            else:
                yield
        finally:
            await db.stop(engine)

    session = QuietSessionConfig(
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
            api_csrf_token,  # GET /api/v1/csrf: the token for cookie-based API writes
            create_static_files_router(
                path="/static",
                directories=[templates.STATIC_DIR],
                cache_control=CacheControlHeader(max_age=31536000, public=True),
                include_in_schema=False,
            ),
            *accounts_pages.ROUTES,
            *accounts_invitations.ROUTES,
            *admin_pages.ROUTES,
            *accounts_security.ROUTES,
            *accounts_passwords.ROUTES,
            *privacy_pages.ROUTES,
            *privacy_volunteer_pages.ROUTES,
            *accounts_api.ROUTES,
            *accounts_audit.ROUTES,
            *events_pages.ROUTES,
            *events_api.ROUTES,
            *discovery.ROUTES,
            *places.ROUTES,
            *mail_pages.ROUTES,
            *pwa.ROUTES,
            *language.ROUTES,
            *calendar_routes.ROUTES,
            *actions_pages.ROUTES,
            *signups_pages.ROUTES,
            *signups_api.ROUTES,
            *actions_api.ROUTES,
        ],
        # Signup emails are composed in the background, with the mail worker.
        lifespan=[
            lifespan,
            signups_notices.lifespan(settings.mail_worker),
            # Invariant 6: signups of long-ended events are purged hourly.
            privacy_lifecycle.lifespan(settings.mail_worker, settings.purge_after_days),
        ],
        middleware=[
            session.middleware,
            DefineMiddleware(CredentialHeaderCSRFMiddleware, config=csrf),
        ],
        before_send=[security_headers_hook(settings)],
        plugins=[HTMXPlugin()],
        request_class=HTMXRequest,
        template_config=templates.template_config(auto_reload=not settings.is_production),
        stores=_stores(settings),
        response_cache_config=ResponseCacheConfig(store="response_cache"),
        # Phones on bad networks: compress our static files (htmx, CSS, JS). HTML pages are
        # left alone on purpose: they carry the CSRF token next to reflected input (BREACH).
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, exclude=[r"^/(?!static/)[a-z_.]"]
        ),
        exception_handlers={
            **EXCEPTION_HANDLERS,
            # Members of an organization that requires 2FA they lack: set-up page / 403.
            accounts_service.TwoFactorRequired: accounts_security.handle_two_factor_required,
        },
        # In production only requests for BASE_URL's host are answered (no Host-header
        # tricks with links in emails or cache poisoning); development accepts any host.
        allowed_hosts=(
            AllowedHostsConfig(allowed_hosts=[urlsplit(settings.base_url).hostname or ""])
            if settings.is_production
            else None
        ),
        openapi_config=OpenAPIConfig(
            title="Muster API",
            version="1.0.0",
            description=(
                "Errors are problem details (RFC 9457, `application/problem+json`). Their "
                "`title` and each error's `field` are stable English for programs; `detail` "
                "and each error's `message` are for people, in the language asked for with "
                "`Accept-Language` (" + ", ".join(i18n.LANGUAGES) + "; English otherwise), "
                "named by `Content-Language`."
            ),
            path="/schema",
            # JSON only: the bundled UIs load their JavaScript from a CDN.
            render_plugins=[JsonRenderPlugin()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="An API token from `muster api-token` or the tokens page.",
                    ),
                    "session": SecurityScheme(
                        type="apiKey",
                        security_scheme_in="cookie",
                        name=session.key,
                        description=(
                            "Browser session; writes also need the x-csrftoken header "
                            "(its token from `GET /api/v1/csrf`)."
                        ),
                    ),
                }
            ),
            security=[{"bearer": []}, {"session": []}],
        ),
        state=State({"settings": settings}),
        debug=False,  # tracebacks never reach a client; they are logged instead
    )
    # /events/<id>.ics (Litestar cannot put a suffix after a path parameter) and feed 304s
    # before routing (calendar/routes.py says why not inside Litestar's middleware stack).
    # The reader's language around the whole app, so every answer (a 404 for no route,
    # CSRF and auth refusals too) is in it and labelled with it; feed revalidations before
    # routing speak ``?lang=`` alone and skip it.
    app.asgi_handler = calendar_routes.with_calendar_paths(
        language.language_middleware(app.asgi_handler),
        calendar_routes.host_matcher(app.allowed_hosts),
    )
    return app
