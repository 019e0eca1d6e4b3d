"""The work the service does off the event loop, in worker processes.

Every function here takes and returns plain JSON-able values so that it runs the same
in a :class:`~concurrent.futures.ProcessPoolExecutor` worker, in a Celery worker or
inline (``fieldroute plan``). Road networks are loaded once per process
(:func:`get_network` is cached) and may be preloaded by the pool initializer
(:func:`init_worker`).
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from solver.errors import InvalidProblemError

log = logging.getLogger(__name__)

#: ``on_progress(fraction_done, best_cost_so_far)``, as in ``solver.routing.plan_day``.
ProgressFn = Callable[[float, float | None], None]


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
    """

    networks_dir: str
    default_network: str
    database_url: str = "sqlite://"
    preload: tuple[str, ...] = field(default_factory=tuple)
    lease_s: float = 30.0
    max_attempts: int = 3

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
        )


@lru_cache(maxsize=16)
def get_network(name: str, networks_dir: str) -> Any:
    """Return the prepared road network ``name``, loaded once per process.

    Raises
    ------
    NetworkNotFoundError
        When no network of that name is prepared in ``networks_dir``.
    """
    from solver.roads import load_network

    started = time.perf_counter()
    network = load_network(name, networks_dir=Path(networks_dir))
    log.info("loaded network %s in %.2f s", name, time.perf_counter() - started)
    return network


def init_worker(config: RuntimeConfig) -> None:
    """Pool initializer: load the configured networks once in this worker process."""
    for name in config.preload:
        try:
            get_network(name, config.networks_dir)
        except Exception:  # noqa: BLE001 - a missing network fails the request, not the pool
            log.warning("could not preload network %s", name, exc_info=True)


def make_pool(config: RuntimeConfig, workers: int) -> ProcessPoolExecutor:
    """Return a process pool whose workers preload ``config.preload`` networks.

    Workers are spawned (not forked) so that no thread or lock state of the server
    process leaks into them.
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(config,),
    )


# --------------------------------------------------------------------------- day plans


def _network_for(problem_network: str | None, config: RuntimeConfig) -> Any:
    if problem_network is None:
        return None
    return get_network(problem_network, config.networks_dir)


def solve_day_plan(
    request: dict[str, Any], config: RuntimeConfig, on_progress: ProgressFn | None = None
) -> dict[str, Any]:
    """Plan a day for a ``POST /v1/day-plans`` body; return the response body.

    Parameters
    ----------
    request
        The request body as a dict (validated here again).
    config
        Where networks live and the default network.
    on_progress
        Optional progress callback passed to the solver.

    Returns
    -------
    dict
        The :class:`~service.schemas.DayPlanResponse` as JSON-able data.
    """
    from service.schemas import DayPlanRequest, from_plan, to_problem
    from solver.routing import plan_day

    parsed = DayPlanRequest.model_validate(request)
    problem = to_problem(parsed, default_network=config.default_network)
    network = _network_for(problem.network, config)
    plan = plan_day(
        problem,
        network=network,
        time_limit_s=parsed.options.time_limit_s,
        seed=parsed.options.seed,
        on_progress=on_progress,
    )
    response = from_plan(plan, problem)
    if not parsed.options.geometry:
        for route in response.routes:
            route.geometry = None
    return response.model_dump(mode="json")


def check_day_plan(request: dict[str, Any], config: RuntimeConfig) -> dict[str, Any]:
    """Time each rep's given order and list every violated constraint.

    Returns
    -------
    dict
        The :class:`~service.schemas.CheckResponse` as JSON-able data.
    """
    from service.schemas import CheckRequest, CheckResponse, ViolationOut, from_plan, to_problem
    from solver.routing import time_routes

    parsed = CheckRequest.model_validate(request)
    problem = to_problem(parsed, default_network=config.default_network)
    rep_ids = {rep.id for rep in problem.reps}
    account_ids = {account.id for account in problem.accounts}
    for rep_id, order in parsed.orders.items():
        if rep_id not in rep_ids:
            raise InvalidProblemError(
                f"orders: rep '{rep_id}' is not among the reps.", field=f"orders.{rep_id}"
            )
        for i, account_id in enumerate(order):
            if account_id not in account_ids:
                raise InvalidProblemError(
                    f"orders '{rep_id}': account '{account_id}' is not among the accounts.",
                    field=f"orders.{rep_id}[{i}]",
                )
    network = _network_for(problem.network, config)
    plan, violations = time_routes(problem, parsed.orders, network=network)
    base = from_plan(plan, problem)
    response = CheckResponse(
        **base.model_dump(),
        feasible=not violations,
        violations=[
            ViolationOut(
                rep_id=v.rep_id, account_id=v.account_id, code=str(v.code), detail=v.detail
            )
            for v in violations
        ],
    )
    return response.model_dump(mode="json")


# --------------------------------------------------------------------------- estimates


def estimate(
    request: dict[str, Any], config: RuntimeConfig, on_progress: ProgressFn | None = None
) -> dict[str, Any]:
    """Answer a ``POST /v1/estimates`` body: a cost matrix or the legs of a sequence."""
    from service.schemas import EstimateRequest, estimate_from_matrix, points_of

    parsed = EstimateRequest.model_validate(request)
    name = parsed.network or config.default_network
    network = get_network(name, config.networks_dir)
    if parsed.sequence is not None:
        points = points_of(parsed.sequence)
        matrix = network.matrix(points)
        result = estimate_from_matrix(parsed, name, matrix)
        if parsed.geometry and result.reachable:
            coords: list[list[float]] = []
            for a, b in zip(points, points[1:], strict=False):
                leg = network.path(a, b)["coordinates"]
                coords.extend(leg if not coords else leg[1:])
            result.geometry = {"type": "LineString", "coordinates": coords}
        return result.model_dump(mode="json")
    origins = points_of(parsed.origins or [])
    destinations = points_of(parsed.destinations) if parsed.destinations is not None else None
    matrix = network.matrix(origins, destinations)
    return estimate_from_matrix(parsed, name, matrix).model_dump(mode="json")


# --------------------------------------------------------------------------- territories


def solve_territories(
    request: dict[str, Any], config: RuntimeConfig, on_progress: ProgressFn | None = None
) -> dict[str, Any]:
    """Balance territories for a ``POST /v1/territories`` body; return the response body."""
    from service.territories import solve_territory_request

    return solve_territory_request(request, config)


# --------------------------------------------------------------------------- networks


def network_infos(networks_dir: str) -> list[dict[str, Any]]:
    """Return ``NetworkInfo.to_dict()`` of every network prepared in ``networks_dir``."""
    from solver.roads import list_networks

    directory = Path(networks_dir)
    if not directory.is_dir():
        return []
    return [info.to_dict() for info in list_networks(directory)]


#: Job kind -> function run by the job executors.
JOB_KINDS: dict[str, Callable[..., dict[str, Any]]] = {
    "day-plan": solve_day_plan,
    "territories": solve_territories,
    "estimates": estimate,
}


def guarded(function: Callable[..., dict[str, Any]], *args: Any) -> tuple[bool, dict[str, Any]]:
    """Call ``function(*args)``; return ``(True, result)`` or ``(False, error body)``.

    Domain errors are returned as data rather than raised because exceptions lose
    their extra attributes (the ``field`` of InvalidProblemError) when pickled back
    from a worker process. Anything else is a bug and is raised.
    """
    from service.errors import domain_status

    try:
        return True, function(*args)
    except Exception as exc:
        mapped = domain_status(exc)
        if mapped is None:
            raise
        status, code = mapped
        body = {"error": code, "detail": str(exc), "field": getattr(exc, "field", None)}
        return False, {"status": status, "body": body}
