"""HTTP pieces every capability shares: the API key header, the body limit, the sync limits.

Who the key belongs to, and its limits, is :mod:`service.tenants.access`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Response
from fastapi.security import APIKeyHeader
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.common.errors import ApiError, error_response
from service.config import Settings

API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="One of the configured API keys."
)


class BodySizeLimit:
    """ASGI middleware: answer 413 to request bodies larger than ``max_bytes``.

    A declared Content-Length is checked up front; a chunked body is read up to the
    limit and replayed to the app.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, "too_large", f"The request body is larger than {self.max_bytes} bytes."
        )
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413 when its body is too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_bytes
            except ValueError:
                too_large = True
            if too_large:
                await self._reject(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._reject(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


GEOJSON_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The plan; with ?format=geojson a GeoJSON FeatureCollection instead.",
        "content": {"application/geo+json": {"schema": {"type": "object"}}},
    }
}

Format = Annotated[Literal["json", "geojson"], Query(description="json, or geojson for map tools.")]

#: Formats of a result that can go back to a CRM or a BI tool as well.
ExportFormat = Annotated[
    Literal["json", "geojson", "csv", "kpi-csv"],
    Query(
        description="json; geojson for map tools; csv (rows keyed by the CRM ids) or "
        "kpi-csv (per rep and period) for CRMs and BI tools."
    ),
]

CSV_FORMATS = ("csv", "kpi-csv")

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The result; ?format=geojson GeoJSON; ?format=csv or kpi-csv CSV.",
        "content": {
            "application/geo+json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


def csv_response(text: str, filename: str) -> Response:
    """Return CSV text as a ``text/csv`` download named ``filename``."""
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def check_sync_size(settings: Settings, accounts: int, time_limit_s: float) -> None:
    """Refuse synchronous work above the configured size with a 413 pointing to /v1/jobs.

    The size is the number of accounts (``max_sync_accounts``) and the requested solver
    time limit (``max_sync_time_limit_s``).
    """
    if time_limit_s > settings.max_sync_time_limit_s:
        raise ApiError(
            413,
            f"The request asks for a {time_limit_s:g} s solve, longer than the "
            f"{settings.max_sync_time_limit_s:g} s answered synchronously; submit it to "
            "POST /v1/jobs instead.",
            field="options.time_limit_s",
        )
    limit = settings.max_sync_accounts
    if accounts > limit:
        raise ApiError(
            413,
            f"The request has {accounts} accounts, more than the {limit} answered "
            "synchronously; submit it to POST /v1/jobs instead.",
            field="accounts",
        )
