"""Job webhooks: a signed POST of the job's summary when it finishes, retried, recorded.

Signed per the Standard Webhooks specification with the ``standardwebhooks`` package
(headers ``webhook-id``, ``webhook-timestamp``, ``webhook-signature``). The secret is
one per API key: :func:`webhook_secret` derives it with HMAC-SHA256 from the key and the
server's ``FIELDROUTE_WEBHOOK_SIGNING_KEY``; a receiver reads its own with
``GET /v1/webhooks/secret``. Every attempt is stored (``GET /v1/jobs/{id}/deliveries``);
a failed one is retried with exponential back-off (``FIELDROUTE_WEBHOOK_FIRST_RETRY_S``,
doubled each time) for ``FIELDROUTE_WEBHOOK_RETRY_S``. The webhook is sent where the
job finishes: a thread of the service process with the in-process executor
(:func:`dispatch_if_finished`), a Celery task with Celery workers.

Server-side request forgery: only ``http``/``https`` URLs, and by default no target
whose host resolves to a private, loopback, link-local, multicast, reserved or
unspecified address (every resolved address is checked, at submission and before
each attempt; redirects are not followed). ``FIELDROUTE_WEBHOOK_ALLOW_PRIVATE=true``
allows private targets for on-premise CRMs.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from service.common.runtime import RuntimeConfig
from service.jobs.callbacks import Callback, Delivery
from service.jobs.store import JobStore
from service.jobs.tables import Job, utc_now
from solver.errors import InvalidProblemError

log = logging.getLogger(__name__)

#: Context salt of the derived secrets when no server signing key is set.
_DEFAULT_SIGNING_KEY = b"fieldroute-webhooks-v1"


def webhook_secret(api_key: str, signing_key: str = "") -> str:
    """Return the Standard Webhooks secret (``whsec_...``) of one API key.

    Parameters
    ----------
    api_key
        The API key the job was submitted with (empty in open dev mode).
    signing_key
        The server's ``FIELDROUTE_WEBHOOK_SIGNING_KEY``; empty: the secret depends on
        the API key alone (whoever holds the key can derive it).

    Returns
    -------
    str
        ``whsec_`` and 32 bytes in base64, as ``standardwebhooks.Webhook`` takes it.
    """
    key = signing_key.encode("utf-8") or _DEFAULT_SIGNING_KEY
    digest = hmac.new(key, api_key.encode("utf-8"), hashlib.sha256).digest()
    return "whsec_" + base64.b64encode(digest).decode("ascii")


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_callback_url(url: str, *, allow_private: bool = False) -> None:
    """Refuse a callback URL the service must not call (server-side request forgery).

    Raises
    ------
    InvalidProblemError
        Naming ``callback_url``: not http(s), no host, a host that does not resolve,
        or (unless ``allow_private``) one that resolves to a private, loopback,
        link-local, multicast, reserved or unspecified address.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidProblemError(
            f"callback_url {url!r} must be an http or https URL.", field="callback_url"
        )
    if not parts.hostname:
        raise InvalidProblemError(f"callback_url {url!r} has no host.", field="callback_url")
    if parts.username or parts.password:
        raise InvalidProblemError(
            "callback_url must not carry credentials (user:password@).", field="callback_url"
        )
    try:
        port = parts.port
        infos = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise InvalidProblemError(
            f"callback_url host {parts.hostname!r} does not resolve ({exc}).",
            field="callback_url",
        ) from None
    if allow_private:
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if _refused(address):
            raise InvalidProblemError(
                f"callback_url host {parts.hostname!r} resolves to {address}, a private, "
                "loopback or link-local address; set FIELDROUTE_WEBHOOK_ALLOW_PRIVATE=true "
                "to allow on-premise receivers.",
                field="callback_url",
            )


def job_summary(job: Job) -> dict[str, Any]:
    """Return the webhook body: the event type, and the job without its result."""
    summary = job.to_dict(with_result=False)
    summary.pop("result", None)
    summary["url"] = f"/v1/jobs/{job.id}"
    return {
        "type": f"job.{job.status}",
        "timestamp": utc_now().isoformat(timespec="seconds"),
        "data": summary,
    }


def webhook_id(job_id: str) -> str:
    """Return the ``webhook-id`` of a job's webhook (the same on every retry)."""
    return f"msg_{job_id}"


def attempt_delivery(
    store: JobStore, job: Job, callback: Callback, attempt: int, config: RuntimeConfig
) -> bool:
    """POST the job's signed summary once, store the attempt, and say whether it was taken.

    A 2xx answer is a success; anything else (another status, a timeout, a refused
    target) is recorded with its error.
    """
    message_id = webhook_id(job.id)
    started = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    try:
        check_callback_url(callback.url, allow_private=config.webhook_allow_private)
        payload = json.dumps(job_summary(job), separators=(",", ":"))
        now = dt.datetime.now(dt.UTC)
        signature = Webhook(callback.secret).sign(message_id, now, payload)
        headers = {
            "content-type": "application/json",
            "user-agent": "fieldroute-webhooks",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        }
        response = httpx.post(
            callback.url,
            content=payload.encode("utf-8"),
            headers=headers,
            timeout=config.webhook_timeout_s,
            follow_redirects=False,
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except InvalidProblemError as exc:
        error = str(exc)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    ok = error is None
    store.record_delivery(
        job.id,
        Delivery(
            webhook_id=message_id,
            attempt=attempt,
            url=callback.url,
            at=utc_now(),
            ok=ok,
            status_code=status_code,
            error=error,
            duration_ms=int((time.perf_counter() - started) * 1000),
        ),
    )
    return ok


def retry_delay_s(attempt: int, config: RuntimeConfig) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): first_retry x 2^(n-1)."""
    return config.webhook_first_retry_s * 2 ** (attempt - 1)


def deliver(
    store: JobStore,
    job_id: str,
    config: RuntimeConfig,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> bool | None:
    """Send a finished job's webhook, retrying with back-off; return whether it arrived.

    Returns None when there is nothing to send here (no callback, not finished, or
    another process took it).
    """
    callback = store.claim_callback(job_id)
    if callback is None:
        return None
    job = store.get(job_id)
    assert job is not None
    started = time.monotonic()
    attempt = 1
    while True:
        if attempt_delivery(store, job, callback, attempt, config):
            store.finish_callback(job_id, delivered=True)
            return True
        delay = retry_delay_s(attempt, config)
        if time.monotonic() - started + delay > config.webhook_retry_s:
            store.finish_callback(job_id, delivered=False)
            log.warning("job %s: webhook not delivered after %d attempt(s)", job_id, attempt)
            return False
        sleep(delay)
        attempt += 1


def dispatch_if_finished(store: JobStore, job_id: str, config: RuntimeConfig) -> None:
    """Start delivering a finished job's webhook in a thread of this process (if it has one)."""
    if not store.callback_pending(job_id):
        return
    thread = threading.Thread(
        target=_deliver_logged, args=(store, job_id, config), name="job-webhook", daemon=True
    )
    thread.start()


def _deliver_logged(store: JobStore, job_id: str, config: RuntimeConfig) -> None:
    try:
        deliver(store, job_id, config)
    except Exception:  # noqa: BLE001 - a thread's crash must be logged, not lost
        log.exception("job %s: webhook delivery crashed", job_id)
