"""One table from errors to HTTP statuses, and the one JSON error shape.

Every error response of the API has the body ``{"error": code, "detail": sentence,
"field": path | null}``. Domain errors raised by :mod:`solver` are mapped by
:data:`DOMAIN_ERRORS`; pydantic validation errors are reshaped so that the sentence
names the entity (``accounts[3] 'A17': window end 09:00 is before start 10:00``).
Domain errors name their entity by kind and id (``Account 'A17'``); the service names
it by its request path instead (``accounts[3] 'A17'``), in one place:
:func:`entity_error` and :func:`owner_by_field`. There is deliberately no catch-all:
an unexpected exception is a bug and stays a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from solver.errors import (
    InvalidEntitiesError,
    InvalidProblemError,
    NetworkBuildError,
    NetworkNotFoundError,
)

#: Domain error class -> (HTTP status, error code). Checked in order (subclasses first).
DOMAIN_ERRORS: tuple[tuple[type[Exception], int, str], ...] = (
    (InvalidProblemError, 422, "invalid_request"),
    (NetworkNotFoundError, 404, "network_not_found"),
    (NetworkBuildError, 422, "network_build_failed"),
)

T = TypeVar("T")

#: Value objects whose errors read as a field of their owner (``window end ...``).
PART_NAMES = {"TimeWindow": "window", "Shift": "shift", "Break": "break", "Location": "location"}


def entity_error(exc: InvalidProblemError, path: str, ident: str) -> InvalidProblemError:
    """Name the request entity at ``path`` (with id ``ident``) as the owner of ``exc``.

    ``Account 'A17': priority must be 1..100`` raised while building ``accounts[3]``
    reads ``accounts[3] 'A17': priority must be 1..100``; an error of one of its parts
    (``TimeWindow: end 09:00 is before start 10:00``) reads
    ``accounts[3] 'A17': window end 09:00 is before start 10:00``. The field path is
    prefixed with ``path``.
    """
    if exc.entity in PART_NAMES:
        reason = f"{PART_NAMES[exc.entity]} {exc.reason}"
    elif exc.entity is not None and exc.entity_id == ident:
        reason = exc.reason
    else:
        reason = exc.message
    field = path if not exc.field else f"{path}.{exc.field}"
    return InvalidProblemError(reason, entity=path, entity_id=ident, field=field)


def build_entity(path: str, ident: str, make: Callable[[], T]) -> T:
    """Return ``make()``; an InvalidProblemError it raises is named by request path."""
    try:
        return make()
    except InvalidProblemError as exc:
        raise entity_error(exc, path, ident) from None


def raise_all(errors: Sequence[InvalidProblemError]) -> None:
    """Raise ``errors`` (flattened) as one error; do nothing when there are none."""
    flat = [one for exc in errors for one in _flatten(exc)]
    if flat:
        raise flat[0] if len(flat) == 1 else InvalidEntitiesError(flat)


def _flatten(exc: InvalidProblemError) -> list[InvalidProblemError]:
    return list(getattr(exc, "errors", None) or (exc,))


def build_all(path: str, items: Sequence[Any], make: Callable[[Any], T]) -> tuple[T, ...]:
    """Return ``make(item)`` of every request item of the list at ``path`` (``"reps"``).

    An InvalidProblemError is named by the item's path and id (``reps[2] 'r3': ...``);
    every item is tried, and all the bad ones are raised together
    (:class:`InvalidEntitiesError`).
    """
    built: list[T] = []
    errors: list[InvalidProblemError] = []
    for i, item in enumerate(items):
        try:
            built.append(build_entity(f"{path}[{i}]", item.id, lambda item=item: make(item)))
        except InvalidProblemError as exc:
            errors.extend(_flatten(exc))
    if errors:
        raise errors[0] if len(errors) == 1 else InvalidEntitiesError(errors)
    return tuple(built)


def gather(*makers: Callable[[], Any]) -> tuple[Any, ...]:
    """Return ``maker()`` of every maker; raise all their InvalidProblemErrors together.

    ``gather(lambda: build_all("reps", ...), lambda: build_all("accounts", ...))``
    reports the bad reps and the bad accounts of a request in one answer.
    """
    results: list[Any] = []
    errors: list[InvalidProblemError] = []
    for make in makers:
        try:
            results.append(make())
        except InvalidProblemError as exc:
            errors.extend(_flatten(exc))
            results.append(None)
    if errors:
        raise errors[0] if len(errors) == 1 else InvalidEntitiesError(errors)
    return tuple(results)


def owner_by_field(exc: InvalidProblemError, kinds: dict[str, str]) -> InvalidProblemError:
    """Name a problem-level error's owner by its request path, taken from its field.

    ``Account 'A1': rep_ids names unknown rep 'r9'.`` with field ``accounts[0].rep_ids``
    reads ``accounts[0] 'A1': rep_ids names unknown rep 'r9'.`` when ``kinds`` maps
    ``"Account"`` to ``"accounts"``; other errors are returned as they are.
    """
    collection = kinds.get(exc.entity or "")
    head = (exc.field or "").split(".", 1)[0]
    if collection is None or exc.entity_id is None or not head.startswith(f"{collection}["):
        return exc
    return InvalidProblemError(exc.reason, entity=head, entity_id=exc.entity_id, field=exc.field)


#: HTTP status -> error code for errors raised as :class:`ApiError` or HTTPException.
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "missing_api_key",
    403: "invalid_api_key",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "busy",
}


class ErrorItem(BaseModel):
    """One error of a request: a sentence naming the entity, and the field's path."""

    detail: str = Field(
        description="One sentence naming the entity and the field.",
        examples=["accounts[3] 'A17': window end 09:00 is before start 10:00."],
    )
    field: str | None = Field(
        default=None,
        description="Path of the offending field in the request, if any.",
        examples=["accounts[3].windows[0].end"],
    )


class ErrorBody(BaseModel):
    """The one error shape of every non-2xx response."""

    error: str = Field(description="Stable machine-readable code.", examples=["invalid_request"])
    detail: str = Field(
        description="One sentence naming the entity and the field (the first of `errors`).",
        examples=["accounts[3] 'A17': window end 09:00 is before start 10:00."],
    )
    field: str | None = Field(
        default=None,
        description="Path of the offending field in the request, if any.",
        examples=["accounts[3].windows[0].end"],
    )
    errors: list[ErrorItem] = Field(
        default_factory=list,
        description=(
            "Every error found in the request, in request order, each naming its entity "
            "and field; the first is `detail` and `field`. One item for an error that is "
            "not about the request's content."
        ),
        examples=[
            [
                {
                    "detail": "accounts[3] 'A17': window end 09:00 is before start 10:00.",
                    "field": "accounts[3].windows[0].end",
                },
                {
                    "detail": "reps[0] 'r1': shift end 07:00 is not after start 08:00.",
                    "field": "reps[0].shift",
                },
            ]
        ],
    )


class ApiError(Exception):
    """An error the service raises on purpose with its own status and code.

    Parameters
    ----------
    status
        HTTP status code.
    detail
        One sentence for the client.
    error
        Machine-readable code; defaults to the code of ``status``.
    field
        Path of the offending request field, if any.
    errors
        Every error of the request (``{"detail", "field"}``); default this one alone.
    headers
        Headers of the answer (``Retry-After`` of a 429 or 503).
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        error: str | None = None,
        field: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.error = error or STATUS_CODES.get(status, "error")
        self.field = field
        self.errors = errors
        self.headers = headers


def error_response(
    status: int,
    error: str,
    detail: str,
    field: str | None = None,
    headers: dict | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    """Return a JSON response in the one error shape (``errors`` defaults to this one)."""
    items = errors or [{"detail": detail, "field": field}]
    body = ErrorBody(error=error, detail=detail, field=field, errors=items).model_dump()
    return JSONResponse(body, status_code=status, headers=headers)


#: The error a job carries when it failed on a bug: the traceback goes to the server's
#: log, never to the client (it names the server's files and internal classes).
INTERNAL_ERROR: dict[str, Any] = {
    "error": "internal_error",
    "detail": "The job failed on an internal error; the server's log has the details.",
    "field": None,
}


def domain_status(exc: Exception) -> tuple[int, str] | None:
    """Return ``(status, code)`` for a domain error, or None when it is not in the table."""
    for cls, status, code in DOMAIN_ERRORS:
        if isinstance(exc, cls):
            return status, code
    return None


def error_body(exc: Exception) -> dict[str, Any] | None:
    """Return the one error shape of a domain error, or None when it is not one (a bug)."""
    mapped = domain_status(exc)
    if mapped is None:
        return None
    field = getattr(exc, "field", None)
    return {
        "error": mapped[1],
        "detail": str(exc),
        "field": field,
        "errors": [
            {"detail": str(each), "field": getattr(each, "field", None)}
            for each in getattr(exc, "errors", None) or (exc,)
        ],
    }


def format_loc(loc: Sequence[str | int]) -> str:
    """Turn a pydantic error location into a path such as ``accounts[3].windows[0].end``.

    The leading ``body``/``query``/``path`` part is dropped.
    """
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and ("[" in part or "(" in part or part.startswith("function")):
            continue  # pydantic union/validator tags, not request fields
        else:
            path += f".{part}" if path else str(part)
    return path


def _entity_prefix(body: Any, loc: Sequence[str | int]) -> tuple[str, int]:
    """Return ``("accounts[3] 'A17'", n)`` for the deepest list item in ``body`` with an id.

    ``n`` is how many parts of ``loc`` (after ``body``) the prefix covers; ``("", 0)``
    when no entity with an id is found on the path.
    """
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    best = ("", 0)
    node = body
    path = ""
    for depth, part in enumerate(parts):
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
            path += f"[{part}]"
            ident = node.get("id") if isinstance(node, dict) else None
            if isinstance(ident, str | int) and not isinstance(ident, bool):
                best = (f"{path} '{ident}'", depth + 1)
        elif isinstance(part, str) and isinstance(node, dict) and part in node:
            node = node[part]
            path += f".{part}" if path else part
        else:
            break
    return best


def describe_validation_error(error: dict[str, Any], body: Any) -> tuple[str, str]:
    """Return ``(detail, field)`` for one pydantic error, naming the entity when it has an id."""
    loc = error.get("loc", ())
    field = format_loc(loc)
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    prefix, covered = _entity_prefix(body, loc)
    if prefix and error.get("type") == "entity_error":  # the message names its own field
        where = prefix
    elif prefix:
        rest = format_loc(["body", *list(loc)[1 + covered :]]) if covered else field
        where = f"{prefix}: {rest}" if rest else prefix
    else:
        where = field or "request"
    sentence = f"{where}: {message[0].lower() + message[1:] if message else message}"
    if not sentence.endswith("."):
        sentence += "."
    return sentence, field


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every expected error into the one error shape."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if not errors:
            return error_response(422, "invalid_request", "The request is invalid.")
        first = errors[0]
        if first.get("type") == "json_invalid":
            return error_response(400, "invalid_json", "The request body is not valid JSON.")
        body = getattr(exc, "body", None)
        items = []
        for each in errors:
            detail, field = describe_validation_error(each, body)
            items.append({"detail": detail, "field": field or None})
        first_item = items[0]
        return error_response(
            422, "invalid_request", first_item["detail"], first_item["field"], errors=items
        )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(
            exc.status, exc.error, exc.detail, exc.field, headers=exc.headers, errors=exc.errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = STATUS_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if not detail.endswith("."):
            detail += "."
        return error_response(exc.status_code, code, detail, headers=exc.headers)

    for cls, status, code in DOMAIN_ERRORS:

        async def _domain(
            request: Request, exc: Exception, status: int = status, code: str = code
        ) -> JSONResponse:
            body = error_body(exc) or {}
            return error_response(
                status, code, str(exc), body.get("field"), errors=body.get("errors")
            )

        app.add_exception_handler(cls, _domain)


#: OpenAPI ``responses`` entry shared by every /v1 route.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No X-API-Key header."},
    403: {"model": ErrorBody, "description": "Unknown API key."},
    413: {"model": ErrorBody, "description": "Too large: use POST /v1/jobs or a smaller body."},
    422: {"model": ErrorBody, "description": "Invalid request; names the entity and field."},
    429: {
        "model": ErrorBody,
        "description": "Too many requests or running jobs for this tenant; retry after "
        "`Retry-After` seconds.",
        "headers": {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        },
    },
    503: {
        "model": ErrorBody,
        "description": "The service is full (`busy`), a synchronous answer ran past its "
        "deadline (`timeout`), a worker died, or the job queue is unreachable "
        "(`queue_unavailable`); retry after `Retry-After` seconds.",
        "headers": {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        },
    },
}
