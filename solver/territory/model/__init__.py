"""Domain model of territory design: reps, accounts, options and the resulting plan.

Every input object is a frozen dataclass validated on construction; an invalid value
raises :class:`~solver.errors.InvalidProblemError` with one sentence naming the entity
and the field.

Units
-----
* Frequencies are visits per 4 weeks (``visits_per_4_weeks``: 4 = weekly, 1 = monthly).
* Workloads, drive times and capacities in the results are hours per week (``*_h_per_week``);
  distances are km per week; costs are per week in the caller's currency.
* ``revenue`` is the account's revenue or potential per year, in the cost currency.

Modules, by step: :mod:`~solver.territory.model.inputs` (reps, accounts, options),
:mod:`~solver.territory.model.plan` (territories and the plan),
:mod:`~solver.territory.model.coverage` (field-versus-inside coverage).
"""

from solver.territory.model.coverage import (
    Coverage,
    CoverageOptions,
    CoveragePlan,
    CoverageRecommendation,
)
from solver.territory.model.inputs import (
    CYCLE_WEEKS,
    DAYS_PER_WEEK,
    BalanceMetric,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
)
from solver.territory.model.plan import (
    BalanceSummary,
    Move,
    Territory,
    TerritoryPlan,
    UnassignedAccount,
)

__all__ = [
    "CYCLE_WEEKS",
    "DAYS_PER_WEEK",
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
]
