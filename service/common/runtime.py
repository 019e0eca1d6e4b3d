"""What every worker process shares: its configuration, its road networks, its pool.

The use-case functions of the capabilities (``service/<capability>/work.py``) take a
pydantic request, a :class:`RuntimeConfig` and an optional progress callback, and
return a pydantic response. They run the same in a
:class:`~concurrent.futures.ProcessPoolExecutor` worker, in a Celery worker or inline
(``fieldroute plan``): requests and responses are picklable models. Road networks are
loaded once per process (:func:`get_network` is cached) and may be preloaded by the pool
initializer (:func:`init_worker`).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import solver.roads
from service.common.errors import domain_status, error_body
from service.common.stops import StopBoard, Ticket, stop_asked
from service.common.stops import install as install_stops
from solver.roads import TravelSource

log = logging.getLogger(__name__)

T = TypeVar("T")

#: ``on_progress(fraction_done, best_cost_so_far)``, as in ``solver.routing.plan_day``;
#: a true answer asks the solver to stop (the job was cancelled).
ProgressFn = Callable[[float, float | None], bool | None]


@dataclass(frozen=True)
class RuntimeConfig:
    """What a worker process needs to know (picklable, unlike the settings object).

    Parameters
    ----------
    networks_dir
        Directory of prepared road networks.
    default_network
        Network used when a request names none and gives no matrix.
    database_url
        SQLAlchemy URL of the job store.
    preload
        Networks each worker loads at start-up.
    lease_s
        A running job whose worker sent no heartbeat for this long is taken over.
    max_attempts
        Times a job is started (first run plus take-overs) before it is abandoned.
    geocoder, nominatim_url, nominatim_min_delay_s
        Where addresses are placed (``offline`` index of the network, or ``nominatim``).
    webhook_allow_private, webhook_retry_s, webhook_first_retry_s, webhook_timeout_s
        How job webhooks are delivered (see :mod:`service.jobs.webhooks`).
    currency
        ISO 4217 currency of costs when a request names none.
    db_retry_s
        How long a worker keeps trying to store a finished job's result while the job
        database is unreachable.
    """

    networks_dir: str
    default_network: str
    database_url: str = "sqlite://"
    preload: tuple[str, ...] = field(default_factory=tuple)
    lease_s: float = 30.0
    max_attempts: int = 3
    geocoder: str = "offline"
    nominatim_url: str | None = None
    nominatim_min_delay_s: float = 1.0
    webhook_allow_private: bool = False
    webhook_retry_s: float = 3600.0
    webhook_first_retry_s: float = 2.0
    webhook_timeout_s: float = 10.0
    currency: str = "EUR"
    db_retry_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Any, *, preload: tuple[str, ...] = ()) -> RuntimeConfig:
        """Build the config from :class:`service.config.Settings`."""
        return cls(
            networks_dir=str(Path(settings.networks_dir).resolve()),
            default_network=settings.default_network,
            database_url=settings.database_url,
            preload=preload,
            lease_s=settings.job_lease_s,
            max_attempts=settings.job_max_attempts,
            geocoder=settings.geocoder,
            nominatim_url=settings.nominatim_url,
            nominatim_min_delay_s=settings.nominatim_min_delay_s,
            webhook_allow_private=settings.webhook_allow_private,
            webhook_retry_s=settings.webhook_retry_s,
            webhook_first_retry_s=settings.webhook_first_retry_s,
            webhook_timeout_s=settings.webhook_timeout_s,
            currency=settings.currency,
            db_retry_s=settings.database_retry_s,
        )


@lru_cache(maxsize=16)
def get_network(name: str, networks_dir: str) -> TravelSource:
    """Return the prepared road network ``name``, loaded once per process.

    Raises
    ------
    NetworkNotFoundError
        When no network of that name is prepared in ``networks_dir``.
    """
    started = time.perf_counter()
    network = solver.roads.load_network(name, networks_dir=Path(networks_dir))
    _LOAD_TIMES_S[name] = time.perf_counter() - started
    log.info("loaded network %s in %.2f s", name, _LOAD_TIMES_S[name])
    return network


#: Seconds this process took to load each network it loaded (by name).
_LOAD_TIMES_S: dict[str, float] = {}


@dataclass(frozen=True)
class WorkerState:
    """What a worker process has loaded (see :func:`worker_state`).

    Parameters
    ----------
    pid
        The worker's process id.
    network_load_s
        Seconds each loaded network took to load in this process, by name.
    """

    pid: int
    network_load_s: dict[str, float]


def worker_state() -> WorkerState:
    """Return this process's id and the networks it has loaded (run in a pool worker)."""
    return WorkerState(os.getpid(), dict(_LOAD_TIMES_S))


def network_for(name: str | None, config: RuntimeConfig) -> TravelSource | None:
    """Return the network a problem plans on, or None for an explicit matrix."""
    return None if name is None else get_network(name, config.networks_dir)


#: Solver modules a worker imports at start-up: the engines (OR-Tools, PyVRP, HiGHS) take
#: a second to import, which the first solve would otherwise pay.
SOLVER_MODULES = ("solver.routing", "solver.territory")


def init_worker(config: RuntimeConfig) -> None:
    """Worker initializer: import the solvers and load the configured networks, once."""
    for module in SOLVER_MODULES:
        importlib.import_module(module)
    for name in config.preload:
        try:
            get_network(name, config.networks_dir)
        except Exception:  # noqa: BLE001 - a missing network fails the request, not the pool
            log.warning("could not preload network %s", name, exc_info=True)


def lower_priority(nice: int) -> None:
    """Make this process ``nice`` steps nicer (a solver worker: the API is scheduled first)."""
    if nice > 0:
        try:
            os.nice(nice)
        except OSError:  # not permitted here: run at the inherited priority
            log.warning("could not lower the priority of worker process %s", os.getpid())


#: The ``multiprocessing`` context of every pool (its shared objects must come from it).
SPAWN = multiprocessing.get_context("spawn")


def make_pool(
    config: RuntimeConfig, workers: int, *, nice: int = 0, stops: StopBoard | None = None
) -> ProcessPoolExecutor:
    """Return a process pool whose workers preload ``config.preload`` networks.

    Workers are spawned (not forked) so that no thread or lock state of the server
    process leaks into them. They ignore SIGINT: Ctrl-C in a terminal reaches the
    whole process group, and the server decides when its workers stop
    (:func:`stop_pool`). With ``nice`` they run that much nicer than the server
    (:func:`lower_priority`); with ``stops`` their synchronous calls can be stopped
    (:func:`run_stoppable`).
    """
    marks = None if stops is None else stops.marks
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=SPAWN,
        initializer=_init_pool_worker,
        initargs=(config, SPAWN.Barrier(workers), nice, marks),
    )


#: Shared by the processes of one pool: :func:`start_workers` waits on it.
_STARTED: Any = None


def _init_pool_worker(config: RuntimeConfig, started: Any, nice: int, marks: Any) -> None:
    global _STARTED
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lower_priority(nice)
    install_stops(marks)
    _STARTED = started
    init_worker(config)


def _started_state(timeout_s: float) -> WorkerState:
    """Wait until every process of the pool runs one of these tasks; return this one's state."""
    if _STARTED is not None:
        with contextlib.suppress(threading.BrokenBarrierError):
            _STARTED.wait(timeout_s)
    return worker_state()


def start_workers(pool: ProcessPoolExecutor, workers: int) -> list[Future[WorkerState]]:
    """Start every worker process of ``pool`` now; each loads its networks at once.

    A spawned pool starts its processes on demand, and each loads its networks in
    :func:`init_worker` before its first task: done lazily, the first requests pay
    for it. Submitting ``workers`` tasks at once makes the pool start its processes
    (none is idle yet); each task runs after its process's initializer and waits on
    the pool's barrier until every process holds one, so that each process gets one.

    Returns
    -------
    list of Future
        One :func:`worker_state` per task, done when that worker is ready.
    """
    return [pool.submit(_started_state, 120.0) for _ in range(workers)]


def stop_pool(pool: ProcessPoolExecutor, grace_s: float) -> bool:
    """Stop ``pool``: drop waiting tasks, give running ones ``grace_s``, then end its workers.

    Returns
    -------
    bool
        True when every running task finished within the grace period; False when
        some worker had to be terminated (its task's future ends with
        ``BrokenProcessPool``).
    """
    # ProcessPoolExecutor has no public handle on its processes (terminate_workers()
    # comes with Python 3.14); shutdown() drops the mapping, so take it first.
    processes = list((pool._processes or {}).values())  # noqa: SLF001
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace_s
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    late = [process for process in processes if process.is_alive()]
    for process in late:
        log.warning(
            "worker process %s still solving after %.0f s: stopping it", process.pid, grace_s
        )
        process.terminate()
    for process in late:
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    return not late


def run_stoppable(
    function: Callable[..., T], args: tuple[Any, ...], ticket: Ticket | None
) -> tuple[bool, T | dict[str, Any]]:
    """Call :func:`guarded` ``function(*args)``, stoppable through ``ticket`` (in a worker).

    A use case that takes ``on_progress`` gets one whose true answer (the API process
    asked to stop: its request timed out) stops the solver.
    """
    if ticket is not None and "on_progress" in inspect.signature(function).parameters:
        return guarded(function, *args, lambda *_: stop_asked(ticket))
    return guarded(function, *args)


def guarded(function: Callable[..., T], *args: Any) -> tuple[bool, T | dict[str, Any]]:
    """Call ``function(*args)``; return ``(True, result)`` or ``(False, error)``.

    Domain errors are returned as data (``{"status", "body"}``) rather than raised
    because exceptions lose their extra attributes (the ``field`` of
    InvalidProblemError) when pickled back from a worker process. Anything else is a
    bug and is raised.
    """
    try:
        return True, function(*args)
    except Exception as exc:
        body = error_body(exc)
        if body is None:
            raise
        status, _ = domain_status(exc) or (500, "")
        return False, {"status": status, "body": body}
