"""Entry point :func:`recommend_coverage`: which accounts are worth a field visit.

For each account, the field cost of serving it is what it adds to its rep's simulated
routes (its marginal detours, see :mod:`solver.territory.simulate`) plus the visit time,
costed with the rep's ``cost_per_hour`` and ``cost_per_km`` and scaled to a year. An
account stays in the field while that cost is at most ``max_cost_share`` of its yearly
revenue; otherwise inside sales (phone and video) is recommended. Locked accounts and
accounts without revenue stay in the field. The territories are then rebuilt with the
field accounts only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from solver.costs import travel_cost
from solver.model import TravelMatrix
from solver.roads.source import TravelSource
from solver.territory.balance import balance_territories
from solver.territory.model import (
    Coverage,
    CoverageOptions,
    CoveragePlan,
    CoverageRecommendation,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
)
from solver.territory.simulate import DayRouter, order_day, simulate_territory
from solver.territory.travel import TerritoryTravel


def recommend_coverage(
    reps: Sequence[TerritoryRep],
    accounts: Sequence[TerritoryAccount],
    *,
    network: TravelSource | None = None,
    matrix: TravelMatrix | None = None,
    options: TerritoryOptions = TerritoryOptions(),  # noqa: B008 (frozen, immutable)
    coverage: CoverageOptions = CoverageOptions(),  # noqa: B008 (frozen, immutable)
    day_router: DayRouter = order_day,
) -> CoveragePlan:
    """Recommend field or inside sales per account and rebuild the field territories.

    Parameters
    ----------
    reps, accounts, network, matrix, options, day_router
        As for :func:`~solver.territory.balance_territories` (routes are always simulated
        here: the marginal costs come from them).
    coverage
        The decision rule (:class:`CoverageOptions`).

    Returns
    -------
    CoveragePlan
        One recommendation per account (input order), the all-field plan and the plan
        rebuilt with the field accounts only.

    Raises
    ------
    InvalidProblemError
        Bad input (see :func:`~solver.territory.balance_territories`).
    """
    reps, accounts = tuple(reps), tuple(accounts)
    options = dataclasses.replace(options, simulate_routes=True)
    all_field = balance_territories(
        reps, accounts, network=network, matrix=matrix, options=options, day_router=day_router
    )
    source = TerritoryTravel(
        reps, accounts, network=network, matrix=matrix, traffic=options.traffic
    )
    by_id = {a.id: a for a in accounts}
    rep_pos = {r.id: i for i, r in enumerate(reps)}
    marginal: dict[str, tuple[float, float]] = {}
    for t in all_field.territories:
        r = rep_pos[t.rep_id]
        mine = [by_id[a] for a in t.account_ids]
        sim = simulate_territory(
            source.among([reps[r].home] + [a.location for a in mine]),
            np.asarray([a.visits_per_4_weeks for a in mine]),
            seed=options.seed + r,
            day_router=day_router,
        )
        for k, account in enumerate(mine):
            marginal[account.id] = (
                float(sim.marginal_drive_s_per_week[k]) / 3600.0,
                float(sim.marginal_distance_m_per_week[k]) / 1000.0,
            )
    recommendations = []
    for account in accounts:
        rep_id = all_field.assignment.get(account.id)
        visit_h = account.visits_per_week * account.visit_duration_s / 3600.0
        if rep_id is None:
            recommendations.append(
                CoverageRecommendation(
                    account.id,
                    None,
                    Coverage.INSIDE,
                    0.0,
                    0.0,
                    visit_h,
                    0.0,
                    account.revenue,
                    None,
                    "No rep can reach it by road: serve it remotely.",
                )
            )
            continue
        rep = reps[rep_pos[rep_id]]
        drive_h, drive_km = marginal[account.id]
        cost_per_week = travel_cost(drive_km, drive_h + visit_h, rep.cost_per_km, rep.cost_per_hour)
        cost_per_year = cost_per_week * coverage.weeks_per_year
        share = cost_per_year / account.revenue if account.revenue else None
        if account.locked_rep is not None:
            decision, reason = Coverage.FIELD, f"Locked to rep '{account.locked_rep}'."
        elif account.revenue is None:
            decision, reason = Coverage.FIELD, "No revenue given, so no basis to move it inside."
        elif share is None or share > coverage.max_cost_share:
            decision = Coverage.INSIDE
            reason = (
                f"Field cost {cost_per_year:,.0f}/year is "
                + (f"{share * 100:.1f} %" if share is not None else "more than all")
                + f" of revenue {account.revenue:,.0f}, above {coverage.max_cost_share * 100:g} %."
            )
        else:
            decision = Coverage.FIELD
            reason = (
                f"Field cost {cost_per_year:,.0f}/year is {share * 100:.1f} % of revenue "
                f"{account.revenue:,.0f}, within {coverage.max_cost_share * 100:g} %."
            )
        recommendations.append(
            CoverageRecommendation(
                account_id=account.id,
                rep_id=rep_id,
                recommendation=decision,
                marginal_drive_h_per_week=drive_h,
                marginal_drive_km_per_week=drive_km,
                visit_h_per_week=visit_h,
                field_cost_per_year=cost_per_year,
                revenue=account.revenue,
                cost_share=share,
                reason=reason,
            )
        )
    field_accounts = [
        a
        for a, rec in zip(accounts, recommendations, strict=True)
        if rec.recommendation == Coverage.FIELD
    ]
    field_plan = balance_territories(
        reps,
        field_accounts,
        network=network,
        matrix=matrix,
        options=options,
        day_router=day_router,
    )
    return CoveragePlan(
        recommendations=tuple(recommendations),
        all_field=all_field,
        field_plan=field_plan,
        options=coverage,
    )
