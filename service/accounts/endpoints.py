"""``POST /v1/accounts/import``: a CRM export (CSV) in, accounts and a per-row report out.

The body is the file itself (``Content-Type: text/csv``). A file with more data lines
than ``FIELDROUTE_MAX_SYNC_IMPORT_ROWS`` runs as a job (kind ``accounts-import``). The
:func:`mount` hook also answers 415 to a CSV posted to any JSON endpoint, pointing to
this one, instead of a bare "input should be a valid dictionary".
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from service.accounts.schemas import CrmFormatName, ImportRequest, ImportResponse
from service.accounts.work import import_request, validate_import
from service.common.addresses import MinQuality
from service.common.errors import ApiError, error_response
from service.common.schemas import Ident
from service.common.services import services_of
from service.jobs.endpoints import CallbackQuery, api_key_of, callback_for, create_and_submit
from service.jobs.kinds import KINDS
from service.jobs.schemas import JobOut
from solver.crm.csvfile import decode_csv

router = APIRouter(tags=["accounts"])

IMPORT_PATH = "/v1/accounts/import"

#: Content types taken as a CSV file.
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _mapping(text: str | None) -> dict[str, str] | None:
    if text is None:
        return None
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError:
        mapping = None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise ApiError(
            422,
            'mapping must be a JSON object of account field -> column, e.g. {"id": "Number", '
            '"name": "Company", "street": "Address", "city": "Town", "owner": "Rep"}.',
            field="mapping",
        )
    return mapping


@router.post(
    "/accounts/import",
    response_model=ImportResponse,
    responses={
        202: {"model": JobOut, "description": "A large file: it runs as a job."},
        415: {"description": "The body is not a CSV file."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
    summary="Import a CRM account export (Salesforce, HubSpot, Zoho, or any CSV)",
)
async def import_crm_accounts(
    request: Request,
    format: CrmFormatName = "auto",  # noqa: A002
    mapping: Annotated[
        str | None,
        Query(description='format=generic: JSON object field -> column, e.g. {"id": "No"}.'),
    ] = None,
    min_quality: MinQuality = "street",
    network: Ident | None = None,
    callback_url: str | None = CallbackQuery,
) -> JSONResponse:
    """Read the CSV body: accounts keyed by CRM ids and one report entry per input row.

    The accounts are ready for ``POST /v1/territories`` (``current_rep`` = the CRM
    owner); rows without coordinates are geocoded (``min_quality``). Every input row
    appears in ``report`` exactly once: ``ok``, ``geocoded`` with its quality, or
    ``rejected`` with a reason code and the line.
    """
    media = _media_type(request.headers.get("content-type"))
    if media not in CSV_TYPES:
        raise ApiError(
            415,
            f"The body must be a CSV file (Content-Type: text/csv), not {media or 'untyped'}.",
            field="body",
        )
    data = await request.body()
    if not data.strip():
        raise ApiError(422, "The CSV body is empty.", field="body")
    text, encoding = decode_csv(data)
    try:
        body = ImportRequest(
            csv=text,
            format=format,
            mapping=_mapping(mapping),
            min_quality=min_quality,
            network=network,
            encoding=encoding,
        )
    except ValidationError as exc:  # the query parameters are typed already: defensive
        raise ApiError(422, str(exc.errors()[0]["msg"]), field="body") from None
    services = services_of(request)
    lines = sum(1 for line in text.splitlines() if line.strip()) - 1
    if lines > services.settings.max_sync_import_rows or callback_url is not None:
        # DNS (the callback check) and the job store block: off the event loop
        callback = await run_in_threadpool(callback_for, request, callback_url, api_key_of(request))
        return await run_in_threadpool(
            create_and_submit, request, KINDS["accounts-import"], body, callback
        )
    return await services.answer(import_request, body, validate=validate_import)


class CsvToJsonGuard:
    """ASGI middleware: a non-JSON body posted to a JSON endpoint gets a 415 that says why.

    A CSV (or a form, as ``curl --data-binary`` sends by default) would otherwise read
    "input should be a valid dictionary"; the answer names the import endpoint instead.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 415 to non-JSON bodies on /v1 endpoints other than the import."""
        if (
            scope["type"] == "http"
            and scope.get("method") in ("POST", "PUT", "PATCH")
            and scope.get("path", "").startswith("/v1/")
            and scope.get("path") != IMPORT_PATH
        ):
            headers = dict(scope.get("headers") or [])
            media = _media_type(headers.get(b"content-type", b"").decode("latin-1"))
            if media and media != "application/json" and not media.endswith("+json"):
                response = error_response(
                    415,
                    "unsupported_media_type",
                    f"{scope['path']} takes a JSON body (Content-Type: application/json), "
                    f"not {media}; to send a CRM export (CSV), POST it to {IMPORT_PATH} "
                    "and send the accounts it returns.",
                    "body",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def mount(app: FastAPI) -> None:
    """Install the CSV guard on the app."""
    app.add_middleware(CsvToJsonGuard)
