"""Celery executor: jobs run on Celery workers over a Redis broker.

Chosen with ``FIELDROUTE_JOBS=celery``; broker and result URLs come from the settings
(``FIELDROUTE_CELERY_BROKER_URL``, ``FIELDROUTE_CELERY_RESULT_URL``). Start workers with
``fieldroute worker`` (one per machine or more; each loads the prepared road networks
once per process).

The job database stays the source of truth: a task carries only the job id and the
job's part key; the worker reads the request from the database and writes progress
and the result back there (see :func:`service.jobs.lease.run_job`). Flushing Redis loses no
finished result; it only loses queued messages, which ``resume_unfinished`` submits
again when the service starts.

Fault tolerance
---------------
* Late acknowledgement (``task_acks_late``) and ``task_reject_on_worker_lost``: a
  message is acknowledged only after the job's result is stored, so when a worker dies
  mid-job the broker delivers the message again (Redis: after the visibility timeout,
  ``FIELDROUTE_CELERY_VISIBILITY_TIMEOUT_S``) and another worker completes the job.
* A worker renews a lease on its job (a heartbeat in the database) while solving. A
  message delivered while the job's holder is alive (a job longer than the visibility
  timeout, or a duplicate) finds the job *busy*: the task checks again one lease later
  (``self.retry``) instead of running it twice, and takes the job over once the
  heartbeat stops (``FIELDROUTE_JOB_LEASE_S``). Results are written only by the holder
  of the current attempt, so each result is stored once.
* Prefetch of one message per process: a busy worker does not hoard jobs.
* A job that fails on bad input is recorded as ``failed`` and never retried (the task
  does not raise). Redelivery is bounded by ``FIELDROUTE_JOB_MAX_ATTEMPTS`` attempts
  counted in the database. While the database is unreachable a running solve goes on
  (progress is skipped), its result is stored once the database answers again
  (``FIELDROUTE_DATABASE_RETRY_S``), and a task that could not even claim its job is
  retried with back-off up to :data:`DB_RETRIES` times.
* Every job has a deadline (``FIELDROUTE_JOB_DEADLINE_S`` from its creation): a message
  delivered after it fails the job instead of solving, a job still busy one lease after
  it is abandoned, and Celery's hard time limit stops a task that runs that long.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from celery import Celery, signals
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError

from service.common.runtime import RuntimeConfig, init_worker, lower_priority
from service.config import Settings, get_settings
from service.jobs.executors import ExecutorUnavailableError
from service.jobs.lease import BUSY, run_job
from service.jobs.store import store_for
from service.jobs.webhooks import attempt_delivery, retry_delay_s

log = logging.getLogger(__name__)

#: Retries of a task whose database was unreachable (1, 2, 4 ... 30 s apart: ~4 minutes).
DB_RETRIES = 12
#: Longest wait between two of those retries, seconds.
DB_RETRY_MAX_S = 30

#: How a job's message is published: a few quick tries, then the submission answers 503.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}

TASK_NAME = "fieldroute.run_job"
WEBHOOK_TASK_NAME = "fieldroute.deliver_webhook"


def _runtime_config(config: dict[str, Any]) -> RuntimeConfig:
    return RuntimeConfig(**{**config, "preload": tuple(config["preload"])})


def make_celery(settings: Settings) -> Celery:
    """Return the Celery application configured from ``settings``.

    Parameters
    ----------
    settings
        Service settings (broker and result URLs, visibility timeout, deadline).

    Returns
    -------
    Celery
        The application with the ``fieldroute.run_job`` task registered.
    """
    app = Celery(
        "fieldroute", broker=settings.celery_broker_url, backend=settings.celery_result_url
    )
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # results live in the job database
        task_default_queue="fieldroute",
        task_time_limit=settings.job_deadline_s,
        broker_transport_options={
            "visibility_timeout": settings.celery_visibility_timeout_s,
            # Scan for messages of dead workers every quarter of the timeout (kombu's
            # default cadence is about 100 s whatever the timeout).
            "unacked_restore_interval": max(1, int(settings.celery_visibility_timeout_s / 4)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )

    @app.task(name=TASK_NAME, bind=True, max_retries=DB_RETRIES)
    def run_job_task(
        self: Any, job_id: str, kind: str, config: dict[str, Any], part: str | None = None
    ) -> str:
        """Run one job (or one part of a batch job) in this worker process."""
        runtime_config = _runtime_config(config)
        try:
            status = run_job(job_id, kind, runtime_config, part=part, worker=self.request.hostname)
        except OperationalError as exc:  # the job database is unreachable: try later
            countdown = min(2**self.request.retries, DB_RETRY_MAX_S)
            raise self.retry(exc=exc, countdown=countdown) from exc
        if status == BUSY:  # a live worker holds the job: look again after one lease
            raise self.retry(countdown=runtime_config.lease_s, max_retries=None)
        if store_for(runtime_config.database_url).callback_pending(job_id):
            deliver_webhook_task.apply_async(args=(job_id, config, 0, None))
        return status

    @app.task(name=WEBHOOK_TASK_NAME, bind=True, max_retries=None)
    def deliver_webhook_task(
        self: Any, job_id: str, config: dict[str, Any], attempt: int, started: float | None
    ) -> bool:
        """Send a finished job's webhook; each failed attempt schedules the next one.

        ``attempt`` 0 claims the webhook (once per job, whichever worker finished it);
        the back-off doubles from ``webhook_first_retry_s`` for ``webhook_retry_s``.
        """
        runtime_config = _runtime_config(config)
        store = store_for(runtime_config.database_url)
        if attempt == 0:
            if store.claim_callback(job_id) is None:
                return False
            attempt, started = 1, time.time()
        job = store.get(job_id)
        callback = store.callback_of(job_id)
        if job is None or callback is None:
            return False
        if attempt_delivery(store, job, callback, attempt, runtime_config):
            store.finish_callback(job_id, delivered=True)
            return True
        delay = retry_delay_s(attempt, runtime_config)
        if time.time() - (started or time.time()) + delay > runtime_config.webhook_retry_s:
            store.finish_callback(job_id, delivered=False)
            return False
        deliver_webhook_task.apply_async(
            args=(job_id, config, attempt + 1, started), countdown=delay
        )
        return False

    return app


#: The application ``fieldroute worker`` and ``celery -A service.celery_app`` use.
celery_app = make_celery(get_settings())


@signals.worker_process_init.connect
def _load_networks(**_: Any) -> None:
    """Lower each worker process's priority (``solver_nice``), load the default network."""
    settings = get_settings()
    lower_priority(settings.solver_nice)
    init_worker(RuntimeConfig.from_settings(settings, preload=(settings.default_network,)))


class CeleryExecutor:
    """Submits jobs as Celery tasks (the :class:`~service.jobs.executors.JobExecutor` interface).

    Parameters
    ----------
    config
        What workers need to run the job (networks, database).
    app
        The Celery application; default :data:`celery_app` (configured from the
        environment).
    """

    def __init__(self, config: RuntimeConfig, app: Celery | None = None) -> None:
        self.config = config
        self.app = app if app is not None else celery_app

    def submit(
        self, job_id: str, kind: str, request_json: dict[str, Any], part: str | None = None
    ) -> None:
        """Send the job (or one part of it) to the queue; the request stays in the database.

        Raises
        ------
        ExecutorUnavailableError
            When the broker cannot be reached (after :data:`PUBLISH_RETRY`).
        """
        task_id = job_id if part is None else f"{job_id}:{part}"
        try:
            self.app.send_task(
                TASK_NAME,
                args=(job_id, kind, dataclasses.asdict(self.config), part),
                task_id=task_id,
                ignore_result=True,  # results live in the job database: no result backend
                retry_policy=PUBLISH_RETRY,
            )
        except (KombuOperationalError, RedisError, OSError) as exc:
            raise ExecutorUnavailableError("the job queue (Redis) is unreachable") from exc

    def cancel(self, job_id: str) -> None:
        """Revoke the job's queued message (the store already says ``cancelled``).

        A job already solving stops from its worker's progress callback, which sees the
        cancelled status (:func:`~service.jobs.lease.run_job`).
        """
        self.app.control.revoke(job_id)

    def backlog(self) -> int | None:
        """Return the messages waiting in the job queue; None when the broker is unreachable."""
        queue = self.app.conf.task_default_queue
        try:
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0)  # no broker: at once
                declared = connection.default_channel.queue_declare(queue=queue, durable=True)
                return int(declared.message_count)
        except Exception:  # noqa: BLE001 - no broker: the submission itself will say so
            log.warning("could not read the length of the Celery queue", exc_info=True)
            return None
