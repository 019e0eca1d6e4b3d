"""Everything a request handler needs, created once per app: settings, pool, store, executor.

Endpoints reach it with :func:`services_of`; :meth:`Services.answer` is the one body of
every synchronous solve (validate, run in the pool, answer JSON or GeoJSON).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from service.common.errors import ApiError
from service.common.runtime import RuntimeConfig, guarded, make_pool
from service.config import Settings
from service.jobs.executors import InProcessExecutor, JobExecutor
from service.jobs.store import JobStore

log = logging.getLogger(__name__)

Req = TypeVar("Req", bound=BaseModel)
Res = TypeVar("Res")


class Services:
    """Everything a request handler needs, created once per app.

    The process pool is started lazily (first solve or first job), so an app that only
    lists networks starts no worker processes.
    """

    def __init__(self, settings: Settings, executor: JobExecutor | None = None) -> None:
        self.settings = settings
        self.config = RuntimeConfig.from_settings(settings, preload=(settings.default_network,))
        self.store = JobStore(settings.database_url)
        self._pool: ProcessPoolExecutor | None = None
        self._executor = executor

    @property
    def pool(self) -> ProcessPoolExecutor:
        """The worker process pool of CPU-heavy solves."""
        if self._pool is None:
            self._pool = make_pool(self.config, self.settings.workers)
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
                # Imported here for start-up cost: Celery and its broker client load only
                # in a service configured to use them.
                from service.celery_app import CeleryExecutor, make_celery

                self._executor = CeleryExecutor(self.config, make_celery(self.settings))
            else:
                self._executor = InProcessExecutor(
                    lambda: self.pool, self.config, on_broken=self.replace_broken_pool
                )
        return self._executor

    async def call(self, function: Callable[..., Res], *args: Any) -> Res:
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
                pool, partial(guarded, function, *args, self.config)
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

    async def answer(
        self,
        work: Callable[[Req, RuntimeConfig], BaseModel],
        request: Req,
        *,
        validate: Callable[[Req, str], None],
        geojson: Callable[[Any], dict[str, Any]] | None = None,
    ) -> JSONResponse:
        """Validate a request (422 before the pool), run ``work`` in the pool, answer it.

        With ``geojson`` the response is that function of the result, as
        ``application/geo+json``; otherwise the result's JSON.
        """
        validate(request, self.settings.default_network)
        result = await self.call(work, request)
        if geojson is not None:
            return JSONResponse(geojson(result), media_type="application/geo+json")
        return JSONResponse(result.model_dump(mode="json"))

    def shutdown(self) -> None:
        """Stop the workers (without waiting for running solves) and close the store."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self.store.dispose()


def services_of(request: Request) -> Services:
    """Return the app's :class:`Services` (set by :func:`service.app.create_app`)."""
    return request.app.state.services
