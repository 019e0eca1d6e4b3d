"""Check-in rules and the planned-vs-actual figures of a rep's day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from service.common.errors import ApiError
from service.common.schemas import clock_s, format_clock
from service.today.schemas import CheckinIn, CheckinOut, RepDayKpi
from service.today.store import NO_DATE, Checkin
from solver.errors import InvalidProblemError
from solver.model import Plan, Problem, Route, StopType


def to_checkin(job_id: str, body: CheckinIn) -> Checkin:
    """Return the store record of a posted check-in (``seq``, ``received_at`` unset)."""
    return Checkin(
        job_id=job_id,
        id=body.id,
        rep_id=body.rep_id,
        day=body.date.isoformat() if body.date else NO_DATE,
        account_id=body.account_id,
        status=body.status,
        reason=body.reason,
        arrival_s=clock_s(body.arrival),
        departure_s=clock_s(body.departure) if body.departure else None,
        seq=0,
        received_at=dt.datetime.now(dt.UTC),
    )


def check_new(checkin: Checkin, problem: Problem, earlier: Sequence[Checkin]) -> None:
    """Raise for a check-in that contradicts the day or the rep's earlier check-ins.

    Raises
    ------
    InvalidProblemError
        422: an unknown rep or account (not in the job's day), a visit done twice, an
        arrival before the rep's last check-in.
    """
    if checkin.rep_id not in {r.id for r in problem.reps}:
        raise InvalidProblemError(
            f"rep '{checkin.rep_id}' is not a rep of the job's day.", field="rep_id"
        )
    if checkin.account_id not in {a.id for a in problem.accounts}:
        raise InvalidProblemError(
            f"account '{checkin.account_id}' is not an account of the job's day.",
            field="account_id",
        )
    for other in earlier:
        if other.account_id == checkin.account_id and "done" in (other.status, checkin.status):
            raise InvalidProblemError(
                f"account '{checkin.account_id}' was already checked in {other.status} "
                f"(check-in '{other.id}' at {format_clock(other.arrival_s)}).",
                field="account_id",
            )
    last = max((max(c.arrival_s, c.departure_s or 0) for c in earlier), default=None)
    if last is not None and checkin.arrival_s < last:
        raise InvalidProblemError(
            f"arrival {format_clock(checkin.arrival_s)} is before the rep's last check-in "
            f"({format_clock(last)}).",
            field="arrival",
        )


def replayed(stored: Checkin, posted: Checkin) -> Checkin:
    """Return the stored check-in of a retry; 409 when the same id records something else."""
    if not stored.same_as(posted):
        raise ApiError(
            409,
            f"Check-in '{posted.id}' is already stored with other content.",
            error="checkin_conflict",
            field="id",
        )
    return stored


def checkin_out(checkin: Checkin, route: Route | None) -> CheckinOut:
    """Return the answer shape of a check-in; ``planned_arrival`` from the rep's route."""
    planned = None
    if route is not None:
        planned = next(
            (
                format_clock(s.arrival_s)
                for s in route.stops
                if s.type == StopType.VISIT and s.account_id == checkin.account_id
            ),
            None,
        )
    return CheckinOut(
        id=checkin.id,
        rep_id=checkin.rep_id,
        date=dt.date.fromisoformat(checkin.day) if checkin.day else None,
        account_id=checkin.account_id,
        status=checkin.status,
        reason=checkin.reason,
        arrival=format_clock(checkin.arrival_s),
        departure=None if checkin.departure_s is None else format_clock(checkin.departure_s),
        planned_arrival=planned,
        received_at=checkin.received_at,
    )


def day_kpis(plan: Plan, checkins: Sequence[Checkin]) -> list[RepDayKpi]:
    """Planned against actual per rep of the plan: meetings held, travel per leg.

    Actual travel is the time from a check-in's departure (a skip's time) to the next
    check-in's arrival, over the rep's check-ins in time order.
    """
    out = []
    for route in plan.routes:
        mine = sorted((c for c in checkins if c.rep_id == route.rep_id), key=lambda c: c.arrival_s)
        travel, legs = 0, 0
        for before, after in zip(mine, mine[1:], strict=False):
            left = before.departure_s if before.departure_s is not None else before.arrival_s
            travel += max(0, after.arrival_s - left)
            legs += 1
        totals = route.totals
        ends = [c.departure_s if c.departure_s is not None else c.arrival_s for c in mine]
        out.append(
            RepDayKpi(
                rep_id=route.rep_id,
                date=plan.date,
                meetings_planned=totals.visits,
                meetings_held=sum(1 for c in mine if c.status == "done"),
                skipped=sum(1 for c in mine if c.status == "skipped"),
                planned_drive_s=totals.drive_s,
                planned_drive_per_leg_s=round(totals.drive_s / (totals.visits + 1), 1),
                actual_travel_s=travel,
                legs_measured=legs,
                actual_travel_per_leg_s=round(travel / legs, 1) if legs else None,
                planned_day_end=format_clock(route.stops[-1].arrival_s) if route.stops else None,
                last_departure=format_clock(max(ends)) if ends else None,
            )
        )
    return out
