"""Field-versus-inside coverage: its options, one recommendation per account, the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from solver.model.validation import check_number
from solver.territory.model.plan import TerritoryPlan


class Coverage(StrEnum):
    """How an account should be served."""

    FIELD = "field"
    INSIDE = "inside"


@dataclass(frozen=True, slots=True)
class CoverageOptions:
    """Rules of the field-versus-inside decision.

    Parameters
    ----------
    max_cost_share
        Serve in the field only while the yearly field cost stays at or below this share
        of the account's yearly revenue (0.10 = 10 %).
    weeks_per_year
        Working weeks per year used to turn weekly costs into yearly ones.
    """

    max_cost_share: float = 0.10
    weeks_per_year: float = 46.0

    def __post_init__(self) -> None:
        check_number(
            ("CoverageOptions", None), "max_cost_share", self.max_cost_share, positive=True
        )
        check_number(
            ("CoverageOptions", None), "weeks_per_year", self.weeks_per_year, positive=True
        )


@dataclass(frozen=True, slots=True)
class CoverageRecommendation:
    """Field or inside for one account, with the figures behind it.

    Parameters
    ----------
    account_id
        The account.
    rep_id
        Rep of the account in the all-field plan.
    recommendation
        ``"field"`` or ``"inside"``.
    marginal_drive_h_per_week, marginal_drive_km_per_week
        Driving saved per week if the account left the rep's routes (its detours).
    visit_h_per_week
        Visit time per week.
    field_cost_per_year
        (marginal drive hours + visit hours) x cost_per_hour + km x cost_per_km, per year.
    revenue
        The account's yearly revenue (None when unknown).
    cost_share
        ``field_cost_per_year / revenue`` (None without revenue).
    reason
        One sentence.
    """

    account_id: str
    rep_id: str | None
    recommendation: Coverage
    marginal_drive_h_per_week: float
    marginal_drive_km_per_week: float
    visit_h_per_week: float
    field_cost_per_year: float
    revenue: float | None
    cost_share: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class CoveragePlan:
    """Result of :func:`~solver.territory.recommend_coverage`.

    ``all_field`` is the plan with every account in the field (the basis of the
    figures); ``field_plan`` is rebuilt with the field accounts only.
    """

    recommendations: tuple[CoverageRecommendation, ...]
    all_field: TerritoryPlan
    field_plan: TerritoryPlan
    options: CoverageOptions = field(default_factory=CoverageOptions)

    @property
    def inside_account_ids(self) -> tuple[str, ...]:
        """Ids of the accounts recommended for inside sales."""
        return tuple(
            r.account_id for r in self.recommendations if r.recommendation == Coverage.INSIDE
        )
