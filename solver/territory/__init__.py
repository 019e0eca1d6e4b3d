"""Balanced, compact sales territories on real drive times; field-versus-inside coverage.

Public interface (see ``docs/CONTRACTS.md``):

* :func:`balance_territories` -- split accounts among reps; returns a :class:`TerritoryPlan`.
* :func:`recommend_coverage` -- field or inside sales per account, and the field-only plan.
* :func:`check_territory_plan` -- the independent checker of a plan.
"""

from solver.territory.balance import balance_territories, estimate_workload
from solver.territory.check import check_territory_plan
from solver.territory.coverage import recommend_coverage
from solver.territory.model import (
    BalanceMetric,
    BalanceSummary,
    Coverage,
    CoverageOptions,
    CoveragePlan,
    CoverageRecommendation,
    Move,
    Territory,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryPlan,
    TerritoryRep,
    UnassignedAccount,
)
from solver.territory.simulate import order_day, plan_day_router, simulate_territory

__all__ = [
    "BalanceMetric",
    "BalanceSummary",
    "Coverage",
    "CoverageOptions",
    "CoveragePlan",
    "CoverageRecommendation",
    "Move",
    "Territory",
    "TerritoryAccount",
    "TerritoryOptions",
    "TerritoryPlan",
    "TerritoryRep",
    "UnassignedAccount",
    "balance_territories",
    "check_territory_plan",
    "estimate_workload",
    "order_day",
    "plan_day_router",
    "recommend_coverage",
    "simulate_territory",
]
