"""KPIs of a schedule: per rep, per ISO week, per rep and week, and in total."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from solver.model import Route, StopType
from solver.schedule.model import Kpi, ScheduleDay, ScheduleProblem, ScheduleSummary


def _kpi(rep_id: str | None, week: str | None, items: Iterable[Route]) -> Kpi:
    routes = [r for r in items if r.totals.visits or len(r.stops) > 2]
    drive = sum(r.totals.drive_s for r in routes)
    working = 0
    for route in routes:
        starts = [s for s in route.stops if s.type == StopType.START]
        ends = [s for s in route.stops if s.type == StopType.END]
        if starts and ends:
            working += ends[-1].arrival_s - starts[0].departure_s
        elif starts:
            working += route.stops[-1].departure_s - starts[0].departure_s
    visits = sum(r.totals.visits for r in routes)
    cost = round(sum(r.totals.cost for r in routes), 2)
    return Kpi(
        rep_id=rep_id,
        week=week,
        days=len(routes),
        visits=visits,
        drive_s=drive,
        distance_m=sum(r.totals.distance_m for r in routes),
        working_s=working,
        drive_share=round(drive / working, 4) if working else 0.0,
        cost=cost,
        cost_per_visit=round(cost / visits, 2) if visits else None,
    )


def summarize(
    problem: ScheduleProblem, days: Sequence[ScheduleDay], visits_requested: int
) -> ScheduleSummary:
    """KPIs of the routes of ``days``; a rep's day counts when the rep leaves home.

    Parameters
    ----------
    problem
        The schedule problem (for the reps' order).
    days
        The schedule's days.
    visits_requested
        Sum of the accounts' ``visits``.

    Returns
    -------
    ScheduleSummary
        Totals, per rep, per ISO week (``"YYYY-Www"``) and per rep-week.
    """

    def week(date) -> str:
        year, number, _ = date.isocalendar()
        return f"{year}-W{number:02d}"

    dated = [(day.date, route) for day in days for route in day.routes]
    weeks = list(dict.fromkeys(week(d) for d, _ in dated))
    rep_ids = [sr.id for sr in problem.reps]
    total = _kpi(None, None, (r for _, r in dated))
    per_rep = tuple(_kpi(rid, None, (r for _, r in dated if r.rep_id == rid)) for rid in rep_ids)
    per_week = tuple(_kpi(None, w, (r for d, r in dated if week(d) == w)) for w in weeks)
    per_rep_week = tuple(
        _kpi(rid, w, (r for d, r in dated if r.rep_id == rid and week(d) == w))
        for rid in rep_ids
        for w in weeks
    )
    return ScheduleSummary(total, per_rep, per_week, per_rep_week, visits_requested, total.visits)
