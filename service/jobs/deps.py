"""The jobs capability's own services: the job store and the executor, once per app."""

from __future__ import annotations

import logging

from fastapi import Request

from service.common.services import QueueState, Services
from service.jobs.broker_watch import BrokerWatch, broker_run_id
from service.jobs.executors import (
    ExecutorUnavailableError,
    InProcessExecutor,
    JobExecutor,
    resume_unfinished,
)
from service.jobs.store import JobStore

log = logging.getLogger(__name__)


class JobServices:
    """The job store of an app and its executor (started on first use).

    Parameters
    ----------
    services
        The app's settings and worker pool (the in-process executor runs jobs there).
    executor
        A job executor to use instead of the configured one (tests).
    """

    def __init__(self, services: Services, executor: JobExecutor | None = None) -> None:
        self.services = services
        settings = services.settings
        self.store = JobStore(settings.database_url, auto_upgrade=settings.database_auto_upgrade)
        self._executor = executor
        self._watch: BrokerWatch | None = None
        self._resume_owed = False  # the start-up resume could not reach the queue
        services.queue_state = self.queue_state  # what GET /health says of the queue

    @property
    def executor(self) -> JobExecutor:
        """The job executor: the in-process pool, or Celery workers (``jobs="celery"``)."""
        if self._executor is None:
            services = self.services
            if services.settings.jobs == "celery":
                # Imported here for start-up cost: Celery and its broker client load only
                # in a service configured to use them.
                from service.celery_app import CeleryExecutor, make_celery

                self._executor = CeleryExecutor(services.config, make_celery(services.settings))
            else:
                self._executor = InProcessExecutor(
                    lambda: services.pool,
                    services.config,
                    on_broken=services.replace_broken_pool,
                    slots=services.settings.workers,  # synchronous requests go between jobs
                )
        return self._executor

    def resume_unfinished(self) -> list[str]:
        """Submit again the jobs a previous process left unfinished (at start-up).

        With Celery, a job a live worker still holds (fresh heartbeat) is left to it.
        When the queue (Redis) is unreachable the service starts all the same: the jobs
        stay ``queued`` and the broker watch submits them once Redis answers
        (:meth:`watch_broker`).

        Returns
        -------
        list of str
            Ids of the jobs submitted again (none when the queue was unreachable).
        """
        settings = self.services.settings
        stale_after_s = settings.job_lease_s if settings.jobs == "celery" else None
        try:
            return resume_unfinished(self.store, self.executor, stale_after_s=stale_after_s)
        except ExecutorUnavailableError as exc:
            log.warning("unfinished jobs not resumed: %s; resumed once it answers", exc)
            self._resume_owed = True
            return []

    def queue_state(self) -> QueueState:
        """Say whether jobs can be queued: ``"in-process"``, ``"ok"`` or ``"unavailable"``.

        With Celery, as the broker watch found Redis at its last look (every
        ``celery_broker_check_s``), or by asking Redis once before the watch started.
        """
        if self.services.settings.jobs != "celery":
            return "in-process"
        if self._watch is not None:
            reachable = self._watch.reachable
        else:
            url = self.services.settings.celery_broker_url
            reachable = broker_run_id(url, timeout_s=1.0) is not None
        return "ok" if reachable else "unavailable"

    def watch_broker(self) -> None:
        """Resubmit unfinished jobs whenever the Celery broker (Redis) restarts.

        Also once it answers, when it was unreachable at start-up (:meth:`resume_unfinished`).
        See :mod:`service.jobs.broker_watch`; the in-process executor has no broker.
        """
        settings = self.services.settings
        if settings.jobs != "celery" or self._watch is not None:
            return
        self._watch = BrokerWatch(
            settings.celery_broker_url,
            lambda: resume_unfinished(
                self.store, self.executor, stale_after_s=settings.job_lease_s
            ),
            interval_s=settings.celery_broker_check_s,
            resume_owed=self._resume_owed,
        ).start()

    def shutdown(self) -> None:
        """Stop the workers, put unfinished jobs back in the queue, close the store.

        Running solves get ``shutdown_grace_s`` to finish (see
        :meth:`~service.jobs.executors.InProcessExecutor.stop`).
        """
        if self._watch is not None:
            self._watch.stop()
        if isinstance(self._executor, InProcessExecutor):
            self._executor.stop(self.services.shutdown)
        else:
            self.services.shutdown()
        self.store.dispose()


def jobs_of(request: Request) -> JobServices:
    """Return the app's :class:`JobServices` (set by :func:`service.app.create_app`)."""
    return request.app.state.jobs
