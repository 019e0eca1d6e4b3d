"""The FastAPI application: one include per capability, error handlers, auth, lifespan.

Each capability is a package (``service/<capability>/``) whose ``endpoints`` module
has a ``router`` (mounted under ``/v1``, behind the API key) and may have a
``public_router`` (no key) and a ``mount(app)`` hook (static files). Adding a
capability is one line in :data:`CAPABILITIES`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from service.accounts import endpoints as accounts
from service.api_docs import endpoints as api_docs
from service.common.errors import ERROR_RESPONSES, install_error_handlers
from service.common.http import BodySizeLimit
from service.common.services import Services
from service.config import Settings, get_settings
from service.day_plans import endpoints as day_plans
from service.estimates import endpoints as estimates
from service.geocode import endpoints as geocode
from service.jobs import endpoints as jobs
from service.jobs.deps import JobServices
from service.jobs.executors import JobExecutor
from service.maps import endpoints as maps
from service.maps import exports
from service.networks import endpoints as networks
from service.schedules import endpoints as schedules
from service.tenants.access import TenantAccess, require_tenant
from service.territories import endpoints as territories
from service.today import endpoints as today
from service.webhooks import endpoints as webhooks

log = logging.getLogger(__name__)

#: The endpoint modules of every capability, in the order the API documents them.
CAPABILITIES: tuple[ModuleType, ...] = (
    api_docs,
    networks,
    maps,
    day_plans,
    territories,
    estimates,
    schedules,
    jobs,
    exports,
    geocode,
    accounts,
    webhooks,
    today,
)


def include_capability(app: FastAPI, endpoints: ModuleType) -> None:
    """Mount one capability's endpoints module on ``app``.

    Its ``router`` goes under ``/v1`` behind the API key, its ``public_router`` (if
    any) as it is, and its ``mount(app)`` hook (static files) is called.
    """
    public = getattr(endpoints, "public_router", None)
    if public is not None:
        app.include_router(public)
    mount = getattr(endpoints, "mount", None)
    if mount is not None:
        mount(app)
    router = getattr(endpoints, "router", None)
    if router is not None:
        app.include_router(
            router,
            prefix="/v1",
            dependencies=[Depends(require_tenant)],
            responses=ERROR_RESPONSES,
        )


def create_app(settings: Settings | None = None, *, executor: JobExecutor | None = None) -> FastAPI:
    """Build the fieldroute HTTP service.

    Parameters
    ----------
    settings
        Service settings; default :func:`service.config.get_settings`.
    executor
        Job executor; default an in-process pool
        (:class:`~service.jobs.executors.InProcessExecutor`).

    Returns
    -------
    FastAPI
        The ASGI app. Unfinished jobs are resumed when its lifespan starts.
    """
    settings = settings or get_settings()
    services = Services(settings)
    job_services = JobServices(services, executor)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.dev_mode:
            log.warning("open dev mode: no API key is required")
        if settings.warm_workers:
            await services.warm()
        if job_services.store.unfinished():  # only then start the workers at start-up
            job_services.resume_unfinished()  # Redis down: once it answers (the watch)
        job_services.watch_broker()  # Celery: jobs whose messages a Redis restart lost run
        try:
            yield
        finally:
            job_services.shutdown()  # the pool too: running solves get a grace period

    app = FastAPI(
        title="fieldroute",
        version="1.0.0",
        summary="Territory and route optimisation for field sales teams.",
        description=(
            "Day plans, territories, travel estimates and road networks for field sales. "
            "Every /v1 endpoint needs an `X-API-Key` header. Request times are 'HH:MM' or "
            "'HH:MM:SS' on the plan date, answers always 'HH:MM:SS'; durations are seconds, "
            "distances metres, money in cents of the answer's `currency`. Errors "
            'have one shape: `{"error": code, "detail": sentence, "field": path}`.'
        ),
        lifespan=lifespan,
        docs_url=None,  # served by service/api_docs without any CDN
        redoc_url=None,
    )
    app.state.services = services
    app.state.jobs = job_services
    app.state.tenants = TenantAccess(settings, job_services.store.engine)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # outermost: preflights are answered before the API key is asked for, and every
    # answer to an allowed origin (errors too) carries the CORS headers
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["X-API-Key", "Content-Type"],
        expose_headers=["Location", "Retry-After"],
        max_age=600,
    )
    for endpoints in CAPABILITIES:
        include_capability(app, endpoints)
    return app
