import datetime as dt

import pytest

from service.common.runtime import RuntimeConfig
from service.jobs.executors import resume_unfinished
from service.jobs.lease import run_job
from service.jobs.store import JobStore
from tests.service.databases import DATABASES, job_database


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    """A job store on SQLite (in a directory still to be made) and on PostgreSQL."""
    with job_database(request.param, tmp_path / "sub") as url:
        store = JobStore(url)
        yield store
        store.dispose()


def _config(store, tmp_path):
    return RuntimeConfig(
        networks_dir=str(tmp_path / "networks"),
        default_network="monaco",
        database_url=store.database_url,
    )


def day_plan(visit_s=600, shift_end="17:00"):
    return {
        "date": "2026-12-01",
        "reps": [
            {"id": "r1", "start": {"index": 0}, "shift": {"start": "08:00", "end": shift_end}}
        ],
        "accounts": [
            {"id": "A1", "location": {"index": 1}, "visit_duration_s": visit_s},
            {"id": "A2", "location": {"index": 2}, "visit_duration_s": visit_s},
        ],
        "matrix": {
            "durations_s": [[0, 600, 900], [600, 0, 300], [900, 300, 0]],
            "distances_m": [[0, 6000, 9000], [6000, 0, 3000], [9000, 3000, 0]],
        },
        "options": {"time_limit_s": 1, "seed": 3},
    }


def test_a_new_job_is_queued_and_survives_reopening_the_database(store):
    job = store.create("day-plan", {"x": 1})
    assert job.status == "queued" and job.progress == 0.0
    reopened = JobStore(store.database_url)
    again = reopened.get(job.id)
    assert again.request == {"x": 1} and again.status == "queued"
    assert again.to_dict()["created_at"].endswith("+00:00")
    reopened.dispose()


def test_job_lifecycle_queued_running_succeeded(store):
    job = store.create("day-plan", {})
    assert store.start(job.id)
    assert not store.start(job.id)  # only a queued job starts
    store.set_progress(job.id, 0.4)
    assert store.get(job.id).progress == pytest.approx(0.4)
    assert store.succeed(job.id, {"routes": []})
    done = store.get(job.id)
    assert (done.status, done.progress, done.result) == ("succeeded", 1.0, {"routes": []})
    assert not store.cancel(job.id)  # finished jobs cannot be cancelled


def test_a_result_arriving_after_cancel_is_dropped(store):
    job = store.create("day-plan", {})
    store.start(job.id)
    assert store.cancel(job.id)
    assert not store.succeed(job.id, {"late": True})
    assert store.get(job.id).status == "cancelled" and store.get(job.id).result is None


def test_unfinished_lists_queued_and_running_jobs_oldest_first(store):
    a, b, c = (store.create("day-plan", {"n": i}) for i in range(3))
    store.start(b.id)
    store.start(c.id)
    store.succeed(c.id, {})
    assert [j.id for j in store.unfinished()] == [a.id, b.id]


class RecordingExecutor:
    def __init__(self):
        self.submitted = []

    def submit(self, job_id, kind, request_json):
        self.submitted.append((job_id, kind, request_json))

    def cancel(self, job_id):
        pass


def test_resume_requeues_running_jobs_and_submits_them_again(store):
    queued = store.create("day-plan", {"n": 1})
    running = store.create("territories", {"n": 2})
    store.start(running.id)
    store.set_progress(running.id, 0.5)
    executor = RecordingExecutor()
    assert resume_unfinished(store, executor) == [queued.id, running.id]
    assert [s[:2] for s in executor.submitted] == [
        (queued.id, "day-plan"),
        (running.id, "territories"),
    ]
    assert store.get(running.id).status == "queued" and store.get(running.id).progress == 0.0


def test_run_job_skips_a_cancelled_job(store, tmp_path):
    job = store.create("day-plan", day_plan())
    store.cancel(job.id)
    assert run_job(job.id, "day-plan", _config(store, tmp_path)) == "cancelled"
    assert store.get(job.id).result is None


def test_run_job_records_a_domain_error_in_the_one_error_shape(store, tmp_path):
    request = day_plan()
    request.pop("matrix")
    request["reps"][0]["start"] = {"lat": 43.73, "lon": 7.42}
    request["accounts"] = []
    job = store.create("day-plan", request)
    assert run_job(job.id, "day-plan", _config(store, tmp_path)) == "failed"
    error = store.get(job.id).error
    assert error["error"] == "network_not_found" and "monaco" in error["detail"]


def test_run_job_stores_the_plan_of_a_day_plan_job(store, tmp_path):
    from tests.service.test_api import assert_checked

    job = store.create("day-plan", day_plan())
    assert run_job(job.id, "day-plan", _config(store, tmp_path)) == "succeeded"
    result = store.get(job.id).result
    assert result["solver"]["seed"] == 3
    visited = sorted(s["account_id"] for s in result["routes"][0]["stops"] if s["type"] == "visit")
    assert visited == ["A1", "A2"]
    assert_checked(day_plan(), result)


def test_a_worker_loads_each_network_once(monkeypatch, tmp_path):
    import solver.roads
    from service.common import runtime

    calls = []

    def fake_load(name, *, networks_dir):
        calls.append(name)
        return object()

    monkeypatch.setattr(solver.roads, "load_network", fake_load)
    runtime.get_network.cache_clear()
    try:
        config = RuntimeConfig(str(tmp_path), "malta", preload=("malta",))
        runtime.init_worker(config)  # the pool initializer preloads the default network
        first = runtime.get_network("malta", str(tmp_path))
        assert runtime.get_network("malta", str(tmp_path)) is first
        runtime.get_network("gozo", str(tmp_path))
        assert calls == ["malta", "gozo"]
    finally:
        runtime.get_network.cache_clear()


def test_resume_beside_live_workers_requeues_only_the_stale_parts_of_a_batch(store):
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from service.jobs.tables import JobPartRow, utc_now

    job = store.create("day-plan-batch", {"requests": []}, parts=["R1", "R2", "R3"])
    lease = {"lease_s": 30, "max_attempts": 3}
    assert store.claim_part(job.id, "R3", worker="w1", **lease).attempt == 1
    assert store.finish_part(job.id, "R3", 1, result={"routes": []})
    assert store.claim_part(job.id, "R1", worker="w1", **lease).attempt == 1  # alive
    assert store.claim_part(job.id, "R2", worker="w2", **lease).attempt == 1  # w2 died
    with Session(store.engine) as session, session.begin():
        session.execute(
            update(JobPartRow)
            .where(JobPartRow.key == "R2")
            .values(heartbeat_at=utc_now() - dt.timedelta(seconds=60))
        )

    assert store.requeue(job.id, stale_after_s=30)
    assert [(p.key, p.status) for p in store.parts(job.id)] == [
        ("R1", "running"),
        ("R2", "queued"),
        ("R3", "succeeded"),
    ]
    assert store.get(job.id).progress == pytest.approx(1 / 3)  # the batch keeps its progress
    assert store.finish_part(job.id, "R1", 1, result={"routes": []})  # w1 still holds R1
    assert store.claim_part(job.id, "R2", worker="w3", **lease).attempt == 2


def test_a_result_waits_for_a_database_that_comes_back_and_gives_up_after_patience():
    from sqlalchemy.exc import OperationalError

    from service.jobs.lease import persist

    outage = OperationalError("UPDATE jobs", {}, Exception("connection refused"))
    calls = []

    def write_after_two_failures():
        calls.append(1)
        if len(calls) < 3:
            raise outage
        return True

    assert persist(write_after_two_failures, patience_s=10) is True
    assert len(calls) == 3

    def never():
        raise outage

    with pytest.raises(OperationalError):
        persist(never, patience_s=0.3)


def test_the_broker_watch_resubmits_only_when_redis_comes_back_as_a_new_process(monkeypatch):
    from service.jobs import broker_watch

    answers = iter(["run-1", "run-1", None, "run-1", "run-2", "run-2"])
    monkeypatch.setattr(broker_watch, "broker_run_id", lambda url: next(answers))
    restarts = []
    watch = broker_watch.BrokerWatch("redis://x", lambda: restarts.append(1))
    # same process; down for a moment; back as the same process; restarted; same again
    assert [watch.look() for _ in range(5)] == [False, False, False, True, False]
    assert len(restarts) == 1


def test_the_broker_watch_owes_the_start_up_resume_until_redis_answers_and_it_runs(
    monkeypatch,
):
    from service.jobs import broker_watch

    # down at start-up and at the first look; up; the resume fails (down again); up
    answers = iter([None, None, "run-1", "run-1", "run-1", "run-1"])
    monkeypatch.setattr(broker_watch, "broker_run_id", lambda url: next(answers))
    resumes = []

    def resume():
        resumes.append(1)
        if len(resumes) == 1:
            raise ConnectionError("the job queue (Redis) is unreachable")

    watch = broker_watch.BrokerWatch("redis://x", resume, resume_owed=True)
    assert watch.reachable is False
    assert watch.look() is False and resumes == [] and watch.reachable is False
    with pytest.raises(ConnectionError):
        watch.look()
    assert watch.resume_owed and watch.reachable
    assert watch.look() is True and len(resumes) == 2  # owed: tried again, ran through
    assert watch.look() is False and len(resumes) == 2  # paid: same process, no resume


def test_reps_claimed_at_once_start_their_batch_once(store):
    """Only one of several workers claiming reps of a queued batch at once writes `started`."""
    import threading

    keys = [f"R{n}" for n in range(6)]
    job = store.create("day-plan-batch", {"requests": []}, parts=keys)
    barrier = threading.Barrier(len(keys))
    attempts = {}

    def claim(key):
        barrier.wait()
        attempts[key] = store.claim_part(job.id, key, worker=f"w-{key}", lease_s=30, max_attempts=3)

    threads = [threading.Thread(target=claim, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert {key: claim.attempt for key, claim in attempts.items()} == dict.fromkeys(keys, 1)
    events = store.events(job.id)
    job_level = [e.event for e in events if e.part is None]
    assert job_level == ["queued", "started"]
    assert sorted(e.part for e in events if e.event == "started" and e.part) == keys
    assert store.get(job.id).status == "running"
