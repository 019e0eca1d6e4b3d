"""Why a plan misses its band, and whether the team has the capacity for its accounts.

* :func:`band_sentences` -- the tolerance is missed: locks, the LP, indivisible accounts.
* :func:`geographic_causes` -- a rep is over the band because of accounts that are far
  from every rep's home (an island reached by ferry, a remote valley): names them, their
  drive hours, and three options with their figures (inside sales, fewer visits, a rep
  based there), each found by simulating the changed week.
* :func:`capacity_figures` -- utilisation of the team's capacity, and the hours or reps
  missing (simulated workload above capacity) or spare (far below).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from solver.model import Location
from solver.territory.assign import AssignmentResult
from solver.territory.model import TerritoryAccount, TerritoryOptions, TerritoryRep
from solver.territory.simulate import WeekSimulation

#: Deviations up to this much over the tolerance count as within (float noise).
TOLERANCE_SLACK = 1e-9

#: An account is remote when its nearest rep home is this many times the median
#: account's nearest home away, and at least :data:`REMOTE_MIN_S`.
REMOTE_FACTOR = 2.0

#: Least drive from the nearest rep home for an account to count as remote, seconds.
REMOTE_MIN_S = 20 * 60

#: Simulates a week from ``home`` over accounts (indices) at given frequencies.
SimulateOne = Callable[[Location, np.ndarray, np.ndarray], WeekSimulation]


def _names(ids: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(f"'{i}'" for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _dev(values: np.ndarray, share: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    target = share * values.sum()
    return np.divide(values, target, out=np.zeros_like(values), where=target > 0) - 1.0


@dataclass(frozen=True, slots=True)
class Geography:
    """Remote accounts behind a rep's excess (internal): ids and the sentences."""

    account_ids: tuple[str, ...]
    sentences: tuple[str, ...]


def geographic_causes(
    reps: Sequence[TerritoryRep],
    accounts: Sequence[TerritoryAccount],
    idx: np.ndarray,
    rep_of: np.ndarray,
    home_durations_s: np.ndarray,
    workload_h: np.ndarray,
    simulations: Sequence[WeekSimulation],
    share: np.ndarray,
    tolerance: float,
    simulate_one: SimulateOne,
) -> Geography:
    """Name the remote accounts that keep reps above the band, with options and figures.

    Parameters
    ----------
    reps, accounts
        The problem.
    idx, rep_of
        Indices of the assigned accounts and their rep index.
    home_durations_s
        ``(R, N)`` drive time from each home to every account, seconds (-1 unreachable).
    workload_h, simulations
        Each rep's simulated workload (hours per week) and simulated week.
    share
        Capacity shares of the reps.
    tolerance
        The requested band.
    simulate_one
        Simulates one week from a home over given accounts and frequencies.

    Returns
    -------
    Geography
        The remote accounts named and the sentences (empty when geography is not the
        cause: no remote account, or leaving them out would not bring the rep near the band).
    """
    durations = np.where(home_durations_s < 0, np.inf, home_durations_s.astype(float))
    nearest = durations[:, idx].min(axis=0) if idx.size else np.empty(0)
    finite = nearest[np.isfinite(nearest)]
    if finite.size == 0:
        return Geography((), ())
    threshold = max(REMOTE_FACTOR * float(np.median(finite)), REMOTE_MIN_S)
    deviation = _dev(workload_h, share)
    named: list[str] = []
    sentences: list[str] = []
    freq = np.asarray([a.visits_per_4_weeks for a in accounts])
    visit_h = np.asarray([a.visits_per_week * a.visit_duration_s / 3600.0 for a in accounts])
    mean_capacity = float(np.mean([rep.capacity_h_per_week for rep in reps]))
    for r in np.argsort(-deviation):
        if deviation[r] <= tolerance + TOLERANCE_SLACK:
            break
        members = idx[rep_of == r]
        remote = members[nearest[rep_of == r] > threshold]
        if remote.size == 0:
            continue
        rest = members[nearest[rep_of == r] <= threshold]
        home = reps[r].home
        drive_h = simulations[r].drive_s_per_week / 3600.0
        without = simulate_one(home, rest, freq[rest]).drive_s_per_week / 3600.0
        saved_drive = drive_h - without
        remote_visit = float(visit_h[remote].sum())
        inside = workload_h.copy()
        inside[r] -= saved_drive + remote_visit
        inside_dev = _dev(inside, share)
        if inside_dev[r] > deviation[r] - 0.5 * (deviation[r] - tolerance):
            continue  # leaving them out would not remove half of the excess: not the cause
        halved = freq.copy()
        halved[remote] = halved[remote] / 2.0
        half_sim = simulate_one(home, members, halved[members]).drive_s_per_week / 3600.0
        fewer = workload_h.copy()
        fewer[r] += (half_sim - drive_h) - remote_visit / 2.0
        fewer_dev = _dev(fewer, share)
        local_home = _central(remote, home_durations_s, accounts, r)
        local = simulate_one(accounts[local_home].location, remote, freq[remote])
        local_h = remote_visit + local.drive_s_per_week / 3600.0
        ids = [accounts[j].id for j in remote]
        named.extend(ids)
        minutes = float(np.min(nearest[np.isin(idx, remote)])) / 60.0
        sentences.append(
            f"Rep '{reps[r].id}' is {deviation[r] * 100:+.1f} % over its target because of "
            f"geography: {len(ids)} account(s) ({_names(ids)}) lie at least {minutes:.0f} min "
            f"from every rep's home (the median account is {np.median(finite) / 60:.0f} min "
            f"away); they add {saved_drive:.1f} drive h and {remote_visit:.1f} visit h per "
            f"week to its simulated week of {workload_h[r]:.1f} h."
        )
        sentences.append(
            f"Options for rep '{reps[r].id}': (a) inside sales for those accounts saves "
            f"{saved_drive + remote_visit:.1f} h/week (rep at {inside_dev[r] * 100:+.1f} %); "
            f"(b) half their visits saves {workload_h[r] - fewer[r]:.1f} h/week (rep at "
            f"{fewer_dev[r] * 100:+.1f} %); (c) a rep based at '{accounts[local_home].id}' "
            f"would drive {local.drive_s_per_week / 3600.0:.1f} h/week for them "
            f"({local_h:.1f} h of work, {local_h / mean_capacity * 100:.0f} % of a "
            f"{mean_capacity:g} h week), leaving '{reps[r].id}' at "
            f"{inside_dev[r] * 100:+.1f} % before rebalancing."
        )
    return Geography(tuple(named), tuple(sentences))


def _central(remote: np.ndarray, home_durations_s: np.ndarray, accounts: Sequence, r: int) -> int:
    """Return the base of a rep placed among the remote accounts.

    The remote account whose drive from rep ``r``'s home is the median of theirs (a
    point in the middle of the cluster, as seen from the mainland).
    """
    drives = home_durations_s[r, remote]
    return int(remote[np.argsort(drives, kind="stable")[remote.size // 2]])


@dataclass(frozen=True, slots=True)
class CapacityFigures:
    """The team's capacity, workload and what is missing or spare (hours per week)."""

    capacity_h_per_week: float
    workload_h_per_week: float
    utilisation: float
    status: str
    missing_h_per_week: float
    missing_reps: int
    spare_reps: int
    sentences: tuple[str, ...]


def capacity_figures(
    reps: Sequence[TerritoryRep], workload_h: np.ndarray, min_utilisation: float
) -> CapacityFigures:
    """Utilisation of the team's capacity; flag over capacity and far under it.

    Parameters
    ----------
    reps
        The reps (capacities).
    workload_h
        Each rep's reported workload (simulated where simulated), hours per week.
    min_utilisation
        Below this team utilisation the team is flagged ``"under"``.

    Returns
    -------
    CapacityFigures
        ``status`` is ``"over"`` (workload above capacity: ``missing_h_per_week`` and
        ``missing_reps`` of the mean capacity), ``"under"`` (``spare_reps`` whole reps'
        capacity unused) or ``"ok"``; the sentences also name reps above their own capacity.
    """
    capacity = np.asarray([rep.capacity_h_per_week for rep in reps], dtype=float)
    total_c, total_w = float(capacity.sum()), float(workload_h.sum())
    utilisation = total_w / total_c
    mean_c = total_c / len(reps)
    sentences = []
    missing_h = max(0.0, total_w - total_c)
    missing_reps = math.ceil(missing_h / mean_c - 1e-9) if missing_h > 0 else 0
    spare_reps = 0
    if missing_h > 0:
        status = "over"
        sentences.append(
            f"The team is over capacity: {total_w:.1f} h/week of work (visits at the requested "
            f"frequencies plus driving) for {total_c:.1f} h of capacity "
            f"({utilisation * 100:.0f} %); {missing_h:.1f} h/week are missing, "
            f"{missing_reps} more rep(s) of {mean_c:g} h, or fewer visits."
        )
    elif utilisation < min_utilisation:
        status = "under"
        spare_reps = int((total_c - total_w) // mean_c)
        sentences.append(
            f"The team is far below capacity: {total_w:.1f} of {total_c:.1f} h/week "
            f"({utilisation * 100:.0f} %, below {min_utilisation * 100:.0f} %); "
            f"{total_c - total_w:.1f} h/week are unused, {spare_reps} rep(s) of {mean_c:g} h."
        )
    else:
        status = "ok"
    over = np.flatnonzero(workload_h > capacity + 1e-9)
    if over.size:
        sentences.append(
            "Reps above their own capacity: "
            + ", ".join(
                f"'{reps[r].id}' {workload_h[r]:.1f} of {capacity[r]:g} h "
                f"({workload_h[r] / capacity[r] * 100:.0f} %)"
                for r in over[:10]
            )
            + ("" if over.size <= 10 else f" and {over.size - 10} more")
            + "."
        )
    return CapacityFigures(
        total_c, total_w, utilisation, status, missing_h, missing_reps, spare_reps,
        tuple(sentences),
    )  # fmt: skip


def band_sentences(
    reps: Sequence[TerritoryRep],
    accounts: Sequence[TerritoryAccount],
    idx: np.ndarray,
    rep_of: np.ndarray,
    weight: np.ndarray,
    share: np.ndarray,
    options: TerritoryOptions,
    result: AssignmentResult | None,
    deviation: np.ndarray,
    basis: str,
) -> list[str]:
    """Sentences saying why the tolerance was not met (``basis`` names the balanced figure)."""
    tol_pct = f"+-{options.tolerance * 100:g} %"
    sentences = []
    outside = [
        f"'{reps[r].id}' {deviation[r] * 100:+.1f} %"
        for r in np.argsort(-np.abs(deviation))
        if abs(deviation[r]) > options.tolerance + TOLERANCE_SLACK
    ]
    sentences.append(
        f"The {basis} balance cannot be held within {tol_pct}: reps outside the band are "
        + ", ".join(outside[:10])
        + ("" if len(outside) <= 10 else f" and {len(outside) - 10} more")
        + "."
    )
    values = np.bincount(rep_of, weights=weight[rep_of, idx], minlength=len(reps))
    targets = share * values.sum()
    rep_index = {rep.id: i for i, rep in enumerate(reps)}
    locked_load = np.zeros(len(reps))
    for j in idx:
        r = rep_index.get(accounts[j].locked_rep, -1)
        if r >= 0:
            locked_load[r] += weight[r, j]
    for r in np.flatnonzero(locked_load > (1 + options.tolerance) * targets + 1e-9):
        upper = (1 + options.tolerance) * targets[r]
        sentences.append(
            f"Rep '{reps[r].id}': its locked accounts alone weigh "
            f"{locked_load[r]:.1f}, above the upper bound {upper:.1f}."
        )
    if result is not None and result.lp_excess > 1e-6:
        sentences.append(
            "Even with accounts split fractionally between reps (the LP) the band cannot be "
            "met, so no assignment can meet it"
            + (
                f"; max_moves = {options.max_moves} may be what binds."
                if options.max_moves is not None
                else "."
            )
        )
    else:
        biggest = 0.0
        for k, j in enumerate(idx):
            biggest = max(biggest, float(weight[rep_of[k], j] / max(targets[rep_of[k]], 1e-12)))
        sentences.append(
            "The LP (fractional accounts) meets the band, but accounts are indivisible: the "
            f"largest weighs {biggest * 100:.1f} % of a target while the band is {tol_pct}; "
            "a wider tolerance or more accounts per rep would allow it."
        )
        if result is not None and result.status == "Time limit reached":
            sentences.append("The integral search also stopped at the time limit.")
    return sentences
