"""CSV keyed by the CRM's ids: territory alignment, stops and KPIs, formula-guarded."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from solver.model import Plan, format_time_s

if TYPE_CHECKING:  # solver.territory imports this module (TerritoryPlan.to_geojson)
    from solver.territory.model import TerritoryPlan


#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """Return a CSV cell that no spreadsheet runs as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote (OWASP's advice on CSV injection); numbers stay numbers and
    ``None`` becomes an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Return RFC 4180 CSV text (CRLF line ends): a header row, then every cell guarded.

    Parameters
    ----------
    header
        The column names.
    rows
        The rows, each cell passed through :func:`csv_cell`.

    Returns
    -------
    str
        The CSV text.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


#: Columns of :func:`territory_csv`.
TERRITORY_CSV_COLUMNS = (
    "account_id",
    "name",
    "rep_id",
    "previous_rep_id",
    "moved",
    "weekly_workload_h",
    "unassigned_reason",
)


class AccountFigures(Protocol):
    """What :func:`territory_csv` reads of an account (a ``TerritoryAccount`` has it)."""

    id: str
    current_rep: str | None
    visits_per_4_weeks: float
    visit_duration_s: int


def territory_csv(
    plan: TerritoryPlan,
    accounts: Sequence[AccountFigures],
    *,
    names: Mapping[str, str | None] | None = None,
) -> str:
    """Return the territory assignment as CSV, one row per account, keyed by its (CRM) id.

    Parameters
    ----------
    plan
        The territory plan.
    accounts
        The accounts of the request (``TerritoryAccount`` or anything with the same
        attributes, see :class:`AccountFigures`), in the order of the rows: every one
        gets a row, placed or not; ``current_rep`` is the previous rep.
    names
        Account id -> display name, when known.

    Returns
    -------
    str
        CSV text (RFC 4180, CRLF line ends) with the columns of
        :data:`TERRITORY_CSV_COLUMNS`. ``weekly_workload_h`` is the account's visit
        hours per week plus its share (by visits) of its territory's drive hours. An
        unassigned account has an empty ``rep_id`` and its reason code.
    """
    names = names or {}
    territories = {t.rep_id: t for t in plan.territories}
    unassigned = {u.account_id: u.reason for u in plan.unassigned}
    rows = []
    for account in accounts:
        rep_id = plan.assignment.get(account.id)
        visits_per_week = account.visits_per_4_weeks / 4.0
        workload_h = None
        if rep_id is not None:
            workload_h = visits_per_week * account.visit_duration_s / 3600.0
            territory = territories.get(rep_id)
            if territory is not None and territory.visits_per_week > 0:
                share = visits_per_week / territory.visits_per_week
                workload_h += share * territory.drive_h_per_week
            workload_h = round(workload_h, 3)
        previous = account.current_rep
        moved = rep_id is not None and previous is not None and previous != rep_id
        rows.append(
            (
                account.id,
                names.get(account.id),
                rep_id,
                previous,
                moved,
                workload_h,
                str(unassigned[account.id]) if account.id in unassigned else None,
            )
        )
    return csv_text(TERRITORY_CSV_COLUMNS, rows)


#: Columns of :func:`plan_stops_csv`.
STOPS_CSV_COLUMNS = (
    "rep_id",
    "sequence",
    "type",
    "account_id",
    "name",
    "arrival",
    "start",
    "departure",
    "wait_s",
    "travel_s",
    "distance_m",
    "lat",
    "lon",
    "unassigned_reason",
)


def plan_stops_csv(plan: Plan, *, names: Mapping[str, str | None] | None = None) -> str:
    """Return a day plan as CSV: one row per stop, then one per unassigned account.

    Parameters
    ----------
    plan
        The day plan (stop locations are written when the stops carry them).
    names
        Account id -> display name, when known.

    Returns
    -------
    str
        CSV text with the columns of :data:`STOPS_CSV_COLUMNS`; clock times are
        ``HH:MM:SS`` on the plan date; unassigned accounts come last with type
        ``unassigned`` and their reason code, so that every account is accounted for.
    """
    names = names or {}
    rows: list[tuple[Any, ...]] = []
    for route in plan.routes:
        for sequence, stop in enumerate(route.stops):
            where = stop.location
            geo = where is not None and where.lat is not None
            rows.append(
                (
                    route.rep_id,
                    sequence,
                    str(stop.type),
                    stop.account_id,
                    names.get(stop.account_id) if stop.account_id else None,
                    format_time_s(stop.arrival_s),
                    format_time_s(stop.start_s),
                    format_time_s(stop.departure_s),
                    int(stop.wait_s),
                    int(stop.travel_s),
                    int(stop.distance_m),
                    round(where.lat, 6) if geo else None,
                    round(where.lon, 6) if geo else None,
                    None,
                )
            )
    for item in plan.unassigned:
        rows.append(
            (None, None, "unassigned", item.account_id, names.get(item.account_id))
            + (None,) * 8
            + (str(item.reason),)
        )
    return csv_text(STOPS_CSV_COLUMNS, rows)


@dataclasses.dataclass(frozen=True, slots=True)
class KpiRow:
    """One rep's figures over one period (a day, a week, or an average week).

    Parameters
    ----------
    rep_id
        The rep (the CRM's owner id).
    period
        ``2026-03-02`` (a day), ``2026-W10`` (a week) or ``average week``.
    visits
        Visits in the period.
    drive_h
        Driving, hours.
    distance_km
        Driven distance, kilometres.
    travel_cost
        Travel cost (``solver.costs.travel_cost``).
    """

    rep_id: str
    period: str
    visits: float
    drive_h: float
    distance_km: float
    travel_cost: float

    @property
    def cost_per_visit(self) -> float | None:
        """Travel cost per visit; ``None`` without visits."""
        return self.travel_cost / self.visits if self.visits else None


#: Columns of :func:`kpi_csv`.
KPI_CSV_COLUMNS = (
    "rep_id",
    "period",
    "visits",
    "drive_h",
    "distance_km",
    "travel_cost",
    "cost_per_visit",
)


def plan_kpi_rows(plan: Plan) -> list[KpiRow]:
    """Return one :class:`KpiRow` per rep of a day plan (the period is the plan date)."""
    return [
        KpiRow(
            rep_id=route.rep_id,
            period=plan.date.isoformat(),
            visits=route.totals.visits,
            drive_h=route.totals.drive_s / 3600.0,
            distance_km=route.totals.distance_m / 1000.0,
            travel_cost=float(route.totals.cost),
        )
        for route in plan.routes
    ]


def territory_kpi_rows(plan: TerritoryPlan) -> list[KpiRow]:
    """Return one :class:`KpiRow` per territory: its average week (``period`` "average week")."""
    return [
        KpiRow(
            rep_id=t.rep_id,
            period="average week",
            visits=t.visits_per_week,
            drive_h=t.drive_h_per_week,
            distance_km=t.drive_km_per_week,
            travel_cost=t.cost_per_week,
        )
        for t in plan.territories
    ]


def kpi_csv(rows: Iterable[KpiRow]) -> str:
    """Return KPI rows as CSV for BI tools (Tableau, Power BI), one row per rep and period.

    Parameters
    ----------
    rows
        From :func:`plan_kpi_rows`, :func:`territory_kpi_rows`, or per week of a visit
        schedule.

    Returns
    -------
    str
        CSV text with the columns of :data:`KPI_CSV_COLUMNS` (hours, kilometres and
        costs rounded to 3 decimals; ``cost_per_visit`` empty without visits).
    """

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(float(value), 3)

    return csv_text(
        KPI_CSV_COLUMNS,
        (
            (
                r.rep_id,
                r.period,
                int(r.visits) if float(r.visits).is_integer() else rounded(r.visits),
                rounded(r.drive_h),
                rounded(r.distance_km),
                rounded(r.travel_cost),
                rounded(r.cost_per_visit),
            )
            for r in rows
        ),
    )
