"""CSV of a visit schedule, keyed by the CRM's account ids (for a CRM or a BI tool).

* :func:`schedule_csv` - one row per planned visit (account, rep, date, start), then one
  row per account with missing visits (how many, and the reason code), so that every
  requested visit is accounted for;
* :func:`schedule_kpi_rows` - one :class:`~solver.exports.KpiRow` per rep and ISO week,
  for :func:`solver.exports.kpi_csv`.

Rows are written by :func:`solver.exports.csv_text`, which guards every text cell against
formula injection.
"""

from __future__ import annotations

from collections.abc import Mapping

from solver.exports import KpiRow, csv_text
from solver.model import format_time_s
from solver.schedule.model import Schedule

#: Columns of :func:`schedule_csv`.
SCHEDULE_CSV_COLUMNS = (
    "account_id",
    "name",
    "rep_id",
    "date",
    "start",
    "appointment",
    "missing",
    "unassigned_reason",
)


def schedule_csv(schedule: Schedule, *, names: Mapping[str, str | None] | None = None) -> str:
    """Return a schedule as CSV: one row per planned visit, then one per missing-visit entry.

    Parameters
    ----------
    schedule
        The visit schedule.
    names
        Account id -> display name, when known.

    Returns
    -------
    str
        CSV text (RFC 4180, CRLF line ends) with the columns of
        :data:`SCHEDULE_CSV_COLUMNS`. A visit row has the rep, the ISO date, the start
        (``HH:MM:SS``, local time) and whether it is a booked appointment; an unassigned
        row has an empty rep, date and start, the number of ``missing`` visits and the
        reason code.
    """
    names = names or {}
    rows: list[tuple[object, ...]] = [
        (
            visit.account_id,
            names.get(visit.account_id),
            visit.rep_id,
            visit.date.isoformat(),
            format_time_s(visit.start_s),
            visit.appointment,
            None,
            None,
        )
        for visit in sorted(schedule.visits, key=lambda v: (v.date, v.rep_id, v.start_s))
    ]
    for item in schedule.unassigned:
        row = (item.account_id, names.get(item.account_id), None, None, None, None)
        rows.append((*row, item.missing, str(item.reason)))
    return csv_text(SCHEDULE_CSV_COLUMNS, rows)


def schedule_kpi_rows(schedule: Schedule) -> list[KpiRow]:
    """Return one :class:`~solver.exports.KpiRow` per rep and ISO week (``2026-W49``).

    Parameters
    ----------
    schedule
        The visit schedule (its ``summary.per_rep_week``).

    Returns
    -------
    list[KpiRow]
        Visits, drive hours, kilometres and travel cost of each rep-week.
    """
    return [
        KpiRow(
            rep_id=str(kpi.rep_id),
            period=str(kpi.week),
            visits=kpi.visits,
            drive_h=kpi.drive_s / 3600.0,
            distance_km=kpi.distance_m / 1000.0,
            travel_cost=float(kpi.cost),
        )
        for kpi in schedule.summary.per_rep_week
    ]
