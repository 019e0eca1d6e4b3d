"""The rep's phone page (``GET /today``) and the check-ins of a job.

``/today?job=<id>&rep=<rep_id>[&date=YYYY-MM-DD]`` is a static page (its files in
``service/today/static``, Leaflet from the ``xstatic-leaflet`` package as on the map
page, sent with the service's page policy :data:`service.maps.endpoints.PAGE_CSP`). It
loads the rep's day through the API, posts check-ins (``POST /v1/jobs/{id}/checkins``)
and re-plans the rest of the day (``POST /v1/day-plans/replan``). Check-ins made without
signal wait in the browser's localStorage and are sent when the connection returns;
their client-made ids make the retries safe.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from service.common.responses import JOB_CONFLICT, JOB_NOT_FOUND
from service.maps.exports import day_plan_of_job
from service.today.schemas import CheckinIn, CheckinOut, CheckinsResponse
from service.today.store import NO_DATE, checkins_of
from service.today.work import check_new, checkin_out, day_kpis, replayed, to_checkin

#: The page's own files.
STATIC_DIR = Path(__file__).resolve().parent / "static"

#: The page holds no data (it loads the day through the API): public, like ``/map``.
public_router = APIRouter(tags=["today"])
router = APIRouter(tags=["check-ins"], responses={**JOB_NOT_FOUND, **JOB_CONFLICT})


def mount(app: FastAPI) -> None:
    """Serve the page's files at ``/static/today`` (Leaflet is served by the map page)."""
    app.mount("/static/today", StaticFiles(directory=STATIC_DIR), name="today-static")


@public_router.get("/today", include_in_schema=False)
def today_page() -> FileResponse:
    """Return the rep's page (``?job=<id>&rep=<rep_id>``, ``&date=`` for a schedule day)."""
    return FileResponse(STATIC_DIR / "today.html", media_type="text/html")


@router.post(
    "/jobs/{job_id}/checkins",
    response_model=CheckinOut,
    status_code=201,
    responses={200: {"model": CheckinOut, "description": "A retry: the check-in stored before."}},
    summary="Record a visit done (arrival, departure) or skipped",
)
def post_checkin(job_id: str, body: CheckinIn, request: Request) -> JSONResponse:
    """Store one check-in of a job's day, once.

    A retry with the same ``id`` and content answers 200 with the stored check-in (409
    with other content). 422 for an account or rep not in the job's day, a visit done
    twice, an arrival before the rep's last check-in.
    """
    store = checkins_of(request)
    posted = to_checkin(job_id, body)
    stored = store.get(job_id, body.id)
    plan, problem = day_plan_of_job(request, job_id, body.rep_id, body.date)
    route = next((r for r in plan.routes if r.rep_id == body.rep_id), None)
    if stored is not None:
        return JSONResponse(checkin_out(replayed(stored, posted), route).model_dump(mode="json"))
    check_new(posted, problem, store.list(job_id, body.rep_id, posted.day))
    saved, created = store.add(posted)
    if not created:
        saved = replayed(saved, posted)
    body_out = checkin_out(saved, route).model_dump(mode="json")
    return JSONResponse(body_out, status_code=201 if created else 200)


@router.get(
    "/jobs/{job_id}/checkins",
    response_model=CheckinsResponse,
    summary="A job's check-ins and the planned-vs-actual figures",
)
def get_checkins(
    job_id: str,
    request: Request,
    rep_id: Annotated[str | None, Query(max_length=200, description="One rep only.")] = None,
    date: Annotated[dt.date | None, Query(description="The day of a visit schedule.")] = None,
) -> JSONResponse:
    """Return the check-ins in order of receipt, and the planned-vs-actual figures.

    Per rep: meetings held and skipped, and travel time between check-ins against the
    plan's drive per leg.
    """
    plan, _ = day_plan_of_job(request, job_id, rep_id, date)
    checkins = checkins_of(request).list(job_id, rep_id, date.isoformat() if date else NO_DATE)
    routes = {r.rep_id: r for r in plan.routes}
    body = CheckinsResponse(
        job_id=job_id,
        checkins=[checkin_out(c, routes.get(c.rep_id)) for c in checkins],
        kpis=day_kpis(plan, checkins),
    )
    return JSONResponse(body.model_dump(mode="json"))
