"""CSV exports keyed by CRM ids: territories, day-plan stops, KPIs; formula injection guarded."""

import csv
import datetime as dt
import io

import numpy as np
import pytest

from solver.exports import (
    KPI_CSV_COLUMNS,
    KpiRow,
    csv_cell,
    kpi_csv,
    plan_kpi_rows,
    plan_stops_csv,
    territory_csv,
    territory_kpi_rows,
)
from solver.model import (
    Location,
    Plan,
    Reason,
    Route,
    RouteTotals,
    SolverInfo,
    SolveStatus,
    Stop,
    StopType,
    TravelMatrix,
    Unassigned,
)
from solver.territory import (
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
    balance_territories,
    check_territory_plan,
)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_formula_cells_get_a_leading_quote(text):
    assert csv_cell(text) == "'" + text


def test_plain_cells_and_numbers_are_kept():
    assert csv_cell("0015g00000AAA01") == "0015g00000AAA01"
    assert csv_cell(-2.5) == -2.5 and csv_cell(None) == "" and csv_cell(True) == "true"


def _grid_matrix(n: int) -> TravelMatrix:
    points = np.arange(n)
    gaps = np.abs(points[:, None] - points[None, :])
    return TravelMatrix(gaps * 600, gaps * 5000)


def test_territory_csv_has_a_row_per_account_keyed_by_its_id():
    matrix = _grid_matrix(8)
    reps = [TerritoryRep("u1", Location(index=0)), TerritoryRep("u2", Location(index=7))]
    accounts = [
        TerritoryAccount(f"=id{i}" if i == 3 else f"001{i}", Location(index=i), current_rep="u1")
        for i in range(1, 7)
    ]
    options = TerritoryOptions(time_limit_s=2, seed=0)
    plan = balance_territories(reps, accounts, matrix=matrix, options=options)
    assert check_territory_plan(reps, accounts, plan, options) == []
    rows = _rows(territory_csv(plan, accounts, names={"0011": "@Acme"}))
    assert [r["account_id"] for r in rows] == ["0011", "0012", "'=id3", "0014", "0015", "0016"]
    assert rows[0]["name"] == "'@Acme"
    for account, row in zip(accounts, rows, strict=True):
        assert row["rep_id"] == plan.assignment[account.id]
        assert row["previous_rep_id"] == "u1"
        assert row["moved"] == ("true" if row["rep_id"] != "u1" else "false")
        visit_h = account.visits_per_4_weeks / 4 * account.visit_duration_s / 3600
        assert float(row["weekly_workload_h"]) >= visit_h
    weekly = {t.rep_id: t for t in plan.territories}
    for rep_id, territory in weekly.items():
        mine = [float(r["weekly_workload_h"]) for r in rows if r["rep_id"] == rep_id]
        expected = territory.visit_h_per_week + territory.drive_h_per_week
        assert sum(mine) == pytest.approx(expected, abs=1e-2)
    kpi = _rows(kpi_csv(territory_kpi_rows(plan)))
    assert tuple(kpi[0]) == KPI_CSV_COLUMNS
    assert {r["rep_id"] for r in kpi} == {"u1", "u2"}


def test_stops_csv_has_a_row_per_stop_and_per_unassigned_account():
    date = dt.date(2026, 3, 2)
    stops = (
        Stop(StopType.START, 28800, 28800, 28800, location=Location(lat=43.73, lon=7.42)),
        Stop(StopType.VISIT, 29400, 29400, 31200, travel_s=600, distance_m=3000, account_id="A1"),
        Stop(StopType.END, 31800, 31800, 31800, travel_s=600, distance_m=3000),
    )
    totals = RouteTotals(1200, 6000, 1800, 0, 0, 12.0, 1)
    plan = Plan(
        date,
        (Route("u1", stops, totals),),
        (Unassigned("A2", Reason.NOT_GEOCODED, "address not placed"),),
        SolverInfo(SolveStatus.FEASIBLE, 0, 1.0, 0.1),
    )
    rows = _rows(plan_stops_csv(plan, names={"A1": "Madone SA"}))
    assert [(r["type"], r["account_id"]) for r in rows] == [
        ("start", ""),
        ("visit", "A1"),
        ("end", ""),
        ("unassigned", "A2"),
    ]
    assert rows[0]["lat"] == "43.73" and rows[1]["arrival"].startswith("08:10")
    assert rows[1]["name"] == "Madone SA" and rows[3]["unassigned_reason"] == "NOT_GEOCODED"
    kpi = _rows(kpi_csv(plan_kpi_rows(plan)))
    assert kpi == [
        {
            "rep_id": "u1",
            "period": "2026-03-02",
            "visits": "1",
            "drive_h": "0.333",
            "distance_km": "6.0",
            "travel_cost": "12.0",
            "cost_per_visit": "12.0",
        }
    ]


def test_kpi_cost_per_visit_is_empty_without_visits():
    rows = _rows(kpi_csv([KpiRow("u1", "2026-W10", 0, 0.0, 0.0, 0.0)]))
    assert rows[0]["cost_per_visit"] == ""
