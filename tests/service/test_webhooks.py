"""Job webhooks against a real local HTTP receiver that verifies the Standard Webhooks signature."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook, WebhookVerificationError

from service.app import create_app
from tests.service.conftest import HEADERS, make_settings
from tests.service.test_scaleout import redis_url  # noqa: F401 - the fixture

CSV = "Id,Name,BillingLatitude,BillingLongitude,OwnerId\n001,A,43.73,7.42,u1\n"
JOB = {"kind": "accounts-import", "request": {"csv": CSV}}


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread; fails the first ``failures`` POSTs with 500."""

    def __init__(self, secret: str, failures: int = 0) -> None:
        self.secret = secret
        self.failures = failures
        self.received: list[dict] = []
        self.verified: list[bool] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["content-length"]))
                try:
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                    receiver.verified.append(True)
                except WebhookVerificationError:
                    payload = json.loads(body)
                    receiver.verified.append(False)
                receiver.received.append({"payload": payload, "id": self.headers["webhook-id"]})
                failing = len(receiver.received) <= receiver.failures
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/fieldroute"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_client(tmp_path) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path, webhook_allow_private=True, webhook_first_retry_s=0.3, webhook_retry_s=30
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _wait_for(client: TestClient, job_id: str, state: str) -> dict:
    for _ in range(400):
        body = client.get(f"/v1/jobs/{job_id}/deliveries", headers=HEADERS).json()
        if body["state"] == state:
            return body
        time.sleep(0.05)
    raise AssertionError(f"webhook of job {job_id} never reached {state}: {body}")


def test_finished_job_posts_signed_summary_that_the_receiver_verifies(webhook_client):
    secret = webhook_client.get("/v1/webhooks/secret", headers=HEADERS).json()["secret"]
    assert secret.startswith("whsec_")
    with Receiver(secret) as receiver:
        job = webhook_client.post(
            "/v1/jobs", json={**JOB, "callback_url": receiver.url}, headers=HEADERS
        ).json()
        deliveries = _wait_for(webhook_client, job["id"], "done")
    assert receiver.verified == [True]
    payload = receiver.received[0]["payload"]
    assert payload["type"] == "job.succeeded"
    assert payload["data"]["id"] == job["id"] and payload["data"]["status"] == "succeeded"
    assert [(d["attempt"], d["ok"], d["status_code"]) for d in deliveries["deliveries"]] == [
        (1, True, 204)
    ]


def test_webhook_is_retried_after_the_receiver_fails_twice(webhook_client):
    secret = webhook_client.get("/v1/webhooks/secret", headers=HEADERS).json()["secret"]
    with Receiver(secret, failures=2) as receiver:
        job = webhook_client.post(
            "/v1/jobs", json={**JOB, "callback_url": receiver.url}, headers=HEADERS
        ).json()
        deliveries = _wait_for(webhook_client, job["id"], "done")["deliveries"]
    assert [(d["attempt"], d["ok"], d["status_code"]) for d in deliveries] == [
        (1, False, 500),
        (2, False, 500),
        (3, True, 204),
    ]
    assert len({r["id"] for r in receiver.received}) == 1  # one webhook-id on every retry
    assert receiver.verified == [True, True, True]
    gaps = [(_at(b["at"]) - _at(a["at"])) for a, b in zip(deliveries, deliveries[1:], strict=False)]
    assert gaps[0] >= 0.3 and gaps[1] >= 0.6  # exponential back-off: 0.3 s, then 0.6 s


def _at(text: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(text).timestamp()


def test_a_wrong_secret_fails_verification(webhook_client):
    with Receiver("whsec_" + "A" * 44) as receiver:
        job = webhook_client.post(
            "/v1/jobs", json={**JOB, "callback_url": receiver.url}, headers=HEADERS
        ).json()
        _wait_for(webhook_client, job["id"], "done")
    assert receiver.verified == [False]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "file:///etc/passwd",
        "gopher://example.org/",
    ],
)
def test_ssrf_guard_refuses_private_targets_by_default(client, url):
    answer = client.post("/v1/jobs", json={**JOB, "callback_url": url}, headers=HEADERS)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "callback_url"
    assert "callback_url" in answer.json()["detail"]


def test_batch_and_import_take_a_callback_url_query_that_is_checked(client):
    answer = client.post(
        "/v1/accounts/import?callback_url=http://127.0.0.1/x",
        content=CSV.encode(),
        headers={**HEADERS, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 422 and answer.json()["field"] == "callback_url"


def test_deliveries_of_unknown_job_is_404(client):
    assert client.get("/v1/jobs/nope/deliveries", headers=HEADERS).status_code == 404


def test_webhook_is_sent_by_the_celery_worker_that_finished_the_job(
    tmp_path,
    redis_url,  # noqa: F811 - the fixture imported above
):
    from tests.service.test_scaleout import Workers, _flush, celery_overrides, worker_env

    overrides = celery_overrides(redis_url, 6)
    _flush(overrides["celery_broker_url"])
    settings = make_settings(
        tmp_path, webhook_allow_private=True, webhook_first_retry_s=0.2, **overrides
    )
    env = {
        **worker_env(settings),
        "FIELDROUTE_WEBHOOK_ALLOW_PRIVATE": "true",
        "FIELDROUTE_WEBHOOK_FIRST_RETRY_S": "0.2",
    }
    workers = Workers(env, tmp_path)
    workers.start("w1")
    try:
        workers.wait_ready()
        with TestClient(create_app(settings)) as client:
            secret = client.get("/v1/webhooks/secret", headers=HEADERS).json()["secret"]
            with Receiver(secret, failures=1) as receiver:
                job = client.post(
                    "/v1/jobs", json={**JOB, "callback_url": receiver.url}, headers=HEADERS
                ).json()
                deliveries = _wait_for(client, job["id"], "done")["deliveries"]
    finally:
        workers.stop()
    assert [(d["attempt"], d["ok"]) for d in deliveries] == [(1, False), (2, True)]
    assert receiver.verified == [True, True]
    assert receiver.received[-1]["payload"]["data"]["status"] == "succeeded"
