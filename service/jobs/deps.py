"""The jobs capability's own services: the job store and the executor, once per app."""

from __future__ import annotations

from fastapi import Request

from service.common.services import Services
from service.jobs.broker_watch import BrokerWatch
from service.jobs.executors import InProcessExecutor, JobExecutor, resume_unfinished
from service.jobs.store import JobStore


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

    def watch_broker(self) -> None:
        """Resubmit unfinished jobs whenever the Celery broker (Redis) restarts.

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
