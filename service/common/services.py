"""What every handler needs, created once per app: the settings and the worker pool.

Endpoints reach it with :func:`services_of`; :meth:`Services.answer` is the one body of
every synchronous solve (validate, run in the pool, answer JSON or GeoJSON). The job
store and executor are the jobs capability's own (:mod:`service.jobs.deps`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, Literal, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from service.common.errors import ApiError
from service.common.runtime import (
    SPAWN,
    RuntimeConfig,
    WorkerState,
    get_network,
    guarded,
    make_pool,
    run_stoppable,
    start_workers,
    stop_pool,
)
from service.common.stops import StopBoard
from service.config import Settings

log = logging.getLogger(__name__)

#: Whether jobs can be queued (``GET /health``): no broker, Redis answering, or not.
QueueState = Literal["in-process", "ok", "unavailable"]

Req = TypeVar("Req", bound=BaseModel)
Res = TypeVar("Res")


class Services:
    """The settings and the worker pool of one app.

    The process pool is started and warmed at start-up (:meth:`warm`, when
    ``settings.warm_workers``: every process loads the default network before the first
    request), otherwise lazily on the first solve or job.

    Synchronous calls run in one of three lanes, each with its own bound
    (``max_sync_backlog``): the solver :attr:`pool` (its processes run
    ``solver_nice`` steps nicer than this one), the :attr:`quick_pool`, and the
    *inline* lane, threads of this process for work of a few milliseconds (small
    estimates), which never waits for a worker process. A solve whose request times
    out is stopped through the :class:`~service.common.stops.StopBoard`.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.config = RuntimeConfig.from_settings(settings, preload=(settings.default_network,))
        self._pool: ProcessPoolExecutor | None = None
        self._quick_pool: ProcessPoolExecutor | None = None
        self._warming: list[Future[WorkerState]] = []
        self.stops = StopBoard(SPAWN)
        self._inline: ThreadPoolExecutor | None = None
        # synchronous calls waiting or running, per lane (event loop only): the solver
        # pool's and the quick lane's are bounded apart, so solves never crowd out estimates
        self.in_flight = 0
        self.quick_in_flight = 0
        self.inline_in_flight = 0
        #: Whether jobs can be queued now; the jobs capability sets it (its broker watch).
        self.queue_state: Callable[[], QueueState] = lambda: "in-process"

    @property
    def pool(self) -> ProcessPoolExecutor:
        """The worker process pool of CPU-heavy solves."""
        if self._pool is None:
            self._pool = make_pool(
                self.config, self.settings.workers, nice=self.settings.solver_nice, stops=self.stops
            )
            if self.settings.warm_workers:  # start-up, or a pool replacing a broken one
                self._warming = start_workers(self._pool, self.settings.workers)
        return self._pool

    @property
    def quick_pool(self) -> ProcessPoolExecutor:
        """The processes of quick requests (small estimates), apart from the solves.

        A travel estimate takes milliseconds but would wait behind every solve queued in
        :attr:`pool`; ``settings.quick_workers`` processes answer them instead (none:
        the solver pool does).
        """
        if self.settings.quick_workers == 0:
            return self.pool
        if self._quick_pool is None:
            self._quick_pool = make_pool(self.config, self.settings.quick_workers, stops=self.stops)
        return self._quick_pool

    @property
    def inline(self) -> ThreadPoolExecutor:
        """Threads of this process answering work of milliseconds (``inline_max_cells``)."""
        if self._inline is None:
            self._inline = ThreadPoolExecutor(max_workers=2, thread_name_prefix="inline")
        return self._inline

    async def warm(self) -> None:
        """Start the worker processes and load the default network in each (start-up)."""
        self.pool  # noqa: B018 - creating the pool starts its processes
        if self.settings.quick_workers:
            quick = start_workers(self.quick_pool, self.settings.quick_workers)
            await asyncio.gather(*(asyncio.wrap_future(f) for f in quick))
        if self.settings.inline_max_cells:  # the inline lane answers on the default network
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(
                    self.inline, get_network, self.config.default_network, self.config.networks_dir
                )
            except Exception:  # noqa: BLE001 - a missing network fails the request, not start-up
                log.warning("could not load network %s", self.config.default_network)
        states = await asyncio.gather(*(asyncio.wrap_future(f) for f in self._warming))
        log.info(
            "%d worker process(es) ready, networks loaded: %s",
            len({state.pid for state in states}),
            sorted({name for state in states for name in state.network_load_s}),
        )

    def replace_broken_pool(self, broken: ProcessPoolExecutor) -> None:
        """Drop a pool whose worker died (killed, out of memory); the next use starts anew."""
        if self._pool is broken:
            log.error("a solver worker process died; starting a new pool")
            self._pool = None
            broken.shutdown(wait=False, cancel_futures=True)
        elif self._quick_pool is broken:
            log.error("a quick-request worker process died; starting a new one")
            self._quick_pool = None
            broken.shutdown(wait=False, cancel_futures=True)

    async def call(
        self, function: Callable[..., Res], *args: Any, quick: bool = False, inline: bool = False
    ) -> Res:
        """Run ``function(*args, config)`` in the pool without blocking the event loop.

        With ``quick``, in the :attr:`quick_pool` (work of milliseconds); with
        ``inline``, on a thread of this process (:attr:`inline`). A call past
        ``sync_deadline_s`` is answered 503 ``timeout`` and its solve is stopped (a
        ``function`` that takes ``on_progress`` sees a true answer from it).

        Raises
        ------
        ApiError
            With the status and body of a domain error raised by the solver; 503 when
            the worker process died during the call (the pool is replaced), 503 ``busy``
            when ``max_sync_backlog`` calls are already waiting or running in its lane
            (the solver pool, or the quick lane), 503
            ``timeout`` past ``sync_deadline_s`` (each with ``Retry-After``).
        """
        settings = self.settings
        retry = {"Retry-After": str(settings.retry_after_s)}
        if inline:
            lane = "inline_in_flight"
        else:
            lane = "quick_in_flight" if quick and settings.quick_workers else "in_flight"
        busy = getattr(self, lane)
        if busy >= settings.max_sync_backlog:
            raise ApiError(
                503,
                f"The service is answering {busy} requests, its limit; retry "
                "later or submit the work to POST /v1/jobs.",
                error="busy",
                headers=retry,
            )
        loop = asyncio.get_running_loop()
        pool = self.quick_pool if quick else self.pool
        ticket = None
        setattr(self, lane, busy + 1)
        try:
            if inline:
                running = loop.run_in_executor(
                    self.inline, partial(guarded, function, *args, self.config)
                )
            else:
                ticket = self.stops.take()
                submitted = pool.submit(run_stoppable, function, (*args, self.config), ticket)
                if ticket is not None:
                    submitted.add_done_callback(partial(self._release, ticket))
                running = asyncio.wrap_future(submitted)
            ok, value = await asyncio.wait_for(running, timeout=settings.sync_deadline_s)
        except TimeoutError:
            if ticket is not None:
                self.stops.stop(ticket)  # the worker's solver stops within about a second
            raise ApiError(
                503,
                f"The request was not answered within {settings.sync_deadline_s:g} s; retry "
                "later or submit it to POST /v1/jobs.",
                error="timeout",
                headers=retry,
            ) from None
        except BrokenProcessPool:
            self.replace_broken_pool(pool)
            raise ApiError(
                503,
                "The solver process stopped unexpectedly; retry the request.",
                error="worker_died",
            ) from None
        finally:
            setattr(self, lane, getattr(self, lane) - 1)
        if not ok:
            body = value["body"]
            raise ApiError(
                value["status"],
                body["detail"],
                error=body["error"],
                field=body["field"],
                errors=body.get("errors"),
            )
        return value

    def _release(self, ticket: Any, _: Future) -> None:
        self.stops.release(ticket)

    async def answer(
        self,
        work: Callable[[Req, RuntimeConfig], BaseModel],
        request: Req,
        *,
        validate: Callable[[Req, str], None],
        geojson: Callable[[Any], dict[str, Any]] | None = None,
        render: Callable[[Any], Response] | None = None,
        quick: bool = False,
        inline: bool = False,
    ) -> Response:
        """Validate a request (422 before the pool), run ``work`` in the pool, answer it.

        With ``geojson`` the response is that function of the result, as
        ``application/geo+json``; with ``render``, the response it returns (CSV);
        otherwise the result's JSON. ``quick`` work runs in the :attr:`quick_pool`,
        ``inline`` work on a thread of this process.
        """
        validate(request, self.settings.default_network)
        result = await self.call(work, request, quick=quick, inline=inline)
        if render is not None:
            return render(result)
        if geojson is not None:
            return JSONResponse(geojson(result), media_type="application/geo+json")
        return JSONResponse(result.model_dump(mode="json"))

    def shutdown(self) -> bool:
        """Stop the workers: running solves get ``settings.shutdown_grace_s`` to finish.

        Returns
        -------
        bool
            False when a worker was still solving at the end of the grace period and
            was terminated.
        """
        if self._inline is not None:
            self._inline.shutdown(wait=False, cancel_futures=True)
            self._inline = None
        quick, self._quick_pool = self._quick_pool, None
        if quick is not None:
            stop_pool(quick, self.settings.shutdown_grace_s)
        pool, self._pool = self._pool, None
        if pool is None:
            return True
        return stop_pool(pool, self.settings.shutdown_grace_s)


def services_of(request: Request) -> Services:
    """Return the app's :class:`Services` (set by :func:`service.app.create_app`)."""
    return request.app.state.services
