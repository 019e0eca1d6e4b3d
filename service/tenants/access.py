"""Who is calling and how much they may: the tenant of an API key and its limits.

:func:`require_tenant` is the dependency of every ``/v1`` route: it finds the tenant of
the ``X-API-Key`` (a hashed key of the database, or one of ``FIELDROUTE_API_KEYS``, which
belong to the :data:`~service.jobs.tables.DEFAULT_TENANT`), stores it on the request and
counts the request against the tenant's per-minute limit (the ``limits`` library; in
Redis when Redis is configured, so every API process shares the count).
"""

from __future__ import annotations

import logging
import math
import secrets
import time

from fastapi import Request, Security
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.engine import Engine

from service.common.errors import ApiError
from service.common.http import API_KEY_HEADER
from service.config import Settings
from service.jobs.tables import DEFAULT_TENANT
from service.tenants.keys import KeyStore

log = logging.getLogger(__name__)


def limits_storage_url(settings: Settings) -> str:
    """Return where request counts live: the setting, else Redis with Celery, else memory."""
    if settings.rate_limit_storage_url:
        return settings.rate_limit_storage_url
    if settings.jobs == "celery" and settings.celery_broker_url.startswith(
        ("redis://", "rediss://")
    ):
        return settings.celery_broker_url
    return "memory://"


class TenantAccess:
    """The keys of an app's database and its per-tenant request limiter.

    Parameters
    ----------
    settings
        Service settings (configured keys, limits, limiter storage).
    engine
        The job database's engine (the ``api_keys`` table).
    """

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.keys = KeyStore(engine)
        self.per_minute = RateLimitItemPerMinute(settings.tenant_requests_per_minute)
        self.limiter = MovingWindowRateLimiter(storage_from_string(limits_storage_url(settings)))

    def tenant_of(self, api_key: str | None) -> str | None:
        """Return the tenant of a presented key, None when the key is not accepted."""
        if not api_key:
            return DEFAULT_TENANT if self.settings.dev_mode else None
        if any(secrets.compare_digest(api_key, key) for key in self.settings.api_keys):
            return DEFAULT_TENANT
        tenant = self.keys.tenant_of(api_key)
        if tenant is None and self.settings.dev_mode:
            return DEFAULT_TENANT
        return tenant

    def count_request(self, tenant: str) -> None:
        """Count one request of ``tenant``; 429 with ``Retry-After`` past its limit.

        A limiter whose storage is unreachable lets the request through (logged): a
        Redis outage must not take the API down.
        """
        try:
            if self.limiter.hit(self.per_minute, tenant):
                return
            reset_at = self.limiter.get_window_stats(self.per_minute, tenant).reset_time
        except Exception:  # noqa: BLE001 - any storage failure: fail open
            log.warning("rate limiter storage unreachable; request not counted", exc_info=True)
            return
        retry_s = max(1, math.ceil(reset_at - time.time()))
        raise ApiError(
            429,
            f"Too many requests: this tenant may make {self.per_minute.amount} requests a "
            f"minute; retry in {retry_s} s.",
            error="rate_limited",
            headers={"Retry-After": str(retry_s)},
        )


def tenant_of(request: Request) -> str:
    """Return the caller's tenant (set by :func:`require_tenant`)."""
    return getattr(request.state, "tenant", DEFAULT_TENANT)


def require_tenant(request: Request, api_key: str | None = Security(API_KEY_HEADER)) -> None:
    """Find the caller's tenant from the X-API-Key and count the request.

    401 without a key, 403 for an unknown or revoked one (no key needed in dev mode),
    429 with ``Retry-After`` past the tenant's requests per minute.
    """
    access: TenantAccess = request.app.state.tenants  # set by create_app
    if not api_key and not access.settings.dev_mode:
        raise ApiError(401, "This endpoint needs an X-API-Key header.")
    tenant = access.tenant_of(api_key)
    if tenant is None:
        raise ApiError(403, "The X-API-Key is not one of the configured keys.")
    request.state.tenant = tenant
    access.count_request(tenant)
