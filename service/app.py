"""The FastAPI application: routers, error handlers, auth, body limit and lifespan."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import Depends, FastAPI, Request, Security
from fastapi.security import APIKeyHeader
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import runtime
from service.config import Settings, get_settings
from service.errors import ERROR_RESPONSES, ApiError, error_response, install_error_handlers
from service.jobs import InProcessExecutor, JobExecutor, JobStore, resume_unfinished

log = logging.getLogger(__name__)

API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="One of the configured API keys."
)


class Services:
    """Everything a request handler needs, created once per app.

    The process pool is started lazily (first solve or first job), so an app that only
    lists networks starts no worker processes.
    """

    def __init__(self, settings: Settings, executor: JobExecutor | None = None) -> None:
        self.settings = settings
        self.config = runtime.RuntimeConfig.from_settings(
            settings, preload=(settings.default_network,)
        )
        self.store = JobStore(settings.database_url)
        self._pool: ProcessPoolExecutor | None = None
        self._executor = executor

    @property
    def pool(self) -> ProcessPoolExecutor:
        """The worker process pool of CPU-heavy solves."""
        if self._pool is None:
            self._pool = runtime.make_pool(self.config, self.settings.workers)
        return self._pool

    def replace_broken_pool(self, broken: ProcessPoolExecutor) -> None:
        """Drop a pool whose worker died (killed, out of memory); the next use starts anew."""
        if self._pool is broken:
            log.error("a solver worker process died; starting a new pool")
            self._pool = None
            broken.shutdown(wait=False, cancel_futures=True)

    @property
    def executor(self) -> JobExecutor:
        """The job executor: the in-process pool, or Celery workers (``jobs="celery"``)."""
        if self._executor is None:
            if self.settings.jobs == "celery":
                from service.celery_app import CeleryExecutor, make_celery

                self._executor = CeleryExecutor(self.config, make_celery(self.settings))
            else:
                self._executor = InProcessExecutor(
                    lambda: self.pool, self.config, on_broken=self.replace_broken_pool
                )
        return self._executor

    async def call(self, function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        """Run ``function(*args, config)`` in the pool without blocking the event loop.

        Raises
        ------
        ApiError
            With the status and body of a domain error raised by the solver; 503 when
            the worker process died during the call (the pool is replaced).
        """
        loop = asyncio.get_running_loop()
        pool = self.pool
        try:
            ok, value = await loop.run_in_executor(
                pool, partial(runtime.guarded, function, *args, self.config)
            )
        except BrokenProcessPool:
            self.replace_broken_pool(pool)
            raise ApiError(
                503,
                "The solver process stopped unexpectedly; retry the request.",
                error="worker_died",
            ) from None
        if not ok:
            body = value["body"]
            raise ApiError(
                value["status"], body["detail"], error=body["error"], field=body["field"]
            )
        return value

    def shutdown(self) -> None:
        """Stop the workers (without waiting for running solves) and close the store."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self.store.dispose()


async def require_api_key(request: Request, api_key: str | None = Security(API_KEY_HEADER)) -> None:
    """Check the X-API-Key header: 401 without one, 403 for an unknown key (none in dev mode)."""
    settings: Settings = request.app.state.services.settings
    if settings.dev_mode:
        return
    if not api_key:
        raise ApiError(401, "This endpoint needs an X-API-Key header.")
    if not any(secrets.compare_digest(api_key, key) for key in settings.api_keys):
        raise ApiError(403, "The X-API-Key is not one of the configured keys.")


class BodySizeLimit:
    """ASGI middleware: answer 413 to request bodies larger than ``max_bytes``.

    A declared Content-Length is checked up front; a chunked body is read up to the
    limit and replayed to the app.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, "too_large", f"The request body is larger than {self.max_bytes} bytes."
        )
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413 when its body is too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_bytes
            except ValueError:
                too_large = True
            if too_large:
                await self._reject(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._reject(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def create_app(settings: Settings | None = None, *, executor: JobExecutor | None = None) -> FastAPI:
    """Build the fieldroute HTTP service.

    Parameters
    ----------
    settings
        Service settings; default :func:`service.config.get_settings`.
    executor
        Job executor; default an in-process pool (:class:`~service.jobs.InProcessExecutor`).

    Returns
    -------
    FastAPI
        The ASGI app. Unfinished jobs are resumed when its lifespan starts.
    """
    from service.routes import day_plans, estimates, exports, health, jobs, networks, territories
    from service.routes import map as map_page

    settings = settings or get_settings()
    services = Services(settings, executor)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.dev_mode:
            log.warning("open dev mode: no API key is required")
        if services.store.unfinished():  # only then start the workers at start-up
            stale_after_s = settings.job_lease_s if settings.jobs == "celery" else None
            resume_unfinished(services.store, services.executor, stale_after_s=stale_after_s)
        try:
            yield
        finally:
            services.shutdown()

    app = FastAPI(
        title="fieldroute",
        version="1.0.0",
        summary="Territory and route optimisation for field sales teams.",
        description=(
            "Day plans, territories, travel estimates and road networks for field sales. "
            "Every /v1 endpoint needs an `X-API-Key` header. Times are 'HH:MM' or "
            "'HH:MM:SS' on the plan date; durations are seconds, distances metres. Errors "
            'have one shape: `{"error": code, "detail": sentence, "field": path}`.'
        ),
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    app.include_router(map_page.router)
    map_page.mount_static(app)
    v1 = [Depends(require_api_key)]
    for module in (networks, day_plans, territories, estimates, jobs, exports):
        app.include_router(module.router, prefix="/v1", dependencies=v1, responses=ERROR_RESPONSES)
    return app
