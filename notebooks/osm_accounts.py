"""Real points of interest from an OSM extract, cleaned into a pharma rep's accounts.

Used by the notebooks of this folder (and ``bench/territories_workload.py``). A pharma
rep calls on pharmacies, doctors, clinics and hospitals; OpenStreetMap tags them
``amenity=pharmacy|doctors|clinic|hospital|dentist`` or ``healthcare=*``. Ways (a building
outline) are placed at the mean of their nodes. Data © OpenStreetMap contributors, ODbL 1.0.

:func:`clean_accounts` turns the raw objects into accounts:

* **Drop** ruins and disused places (``ruins``, ``disused``, ``abandoned``,
  ``historic=ruins`` tags, or "ruin" in the name).
* **One account type per object**, by one table (:data:`ACCOUNT_TYPES`): ``amenity`` and
  ``healthcare`` values map to the same five types, and when an object (or a merged
  group) has several, the highest in :data:`PRECEDENCE` wins (a hospital with a clinic
  tag is a hospital).
  A place tagged hospital whose name says health centre, polyclinic or clinic is a
  clinic (:data:`CLINIC_NAMES`): in Malta those are the state's outpatient centres.
* **Merge** objects within :data:`MERGE_RADIUS_M` that share a name (case, accents and
  punctuation ignored) or a building (a node inside a way's outline); an unnamed hospital
  with a named hospital within :data:`UNNAMED_RADIUS_M` (a wing or an entrance mapped
  apart); and two objects of one type at the same spot (within
  :data:`SAME_SPOT_M`). Transitively: one account per group, at the building (the
  largest way) if any, else at the group's mean; named by the building, else the
  shortest name; typed by its named objects (the highest in :data:`PRECEDENCE`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
import shapely
from scipy.cluster.hierarchy import DisjointSet
from scipy.spatial import cKDTree

#: Account type -> (visits per 4 weeks, visit duration in seconds) of a pharma rep.
CALL_PLAN = {
    "pharmacy": (2.0, 1200),
    "doctors": (4.0, 1800),
    "clinic": (4.0, 1800),
    "hospital": (4.0, 2700),
    "dentist": (1.0, 1200),
}

#: OSM ``amenity``/``healthcare`` value -> account type (the only mapping).
ACCOUNT_TYPES = {
    "pharmacy": "pharmacy",
    "chemist": "pharmacy",
    "doctors": "doctors",
    "doctor": "doctors",
    "clinic": "clinic",
    "centre": "clinic",
    "hospital": "hospital",
    "dentist": "dentist",
}

#: When one place carries several types, the first of these wins.
PRECEDENCE = ("hospital", "clinic", "doctors", "pharmacy", "dentist")

#: Objects closer than this sharing a name or a building are one account, metres.
MERGE_RADIUS_M = 250.0

#: An unnamed hospital this close to a named one is part of it, metres.
UNNAMED_RADIUS_M = 600.0

#: Two objects of one type this close are one place whatever their names, metres.
SAME_SPOT_M = 10.0

#: A "hospital" whose name matches this is an outpatient clinic.
CLINIC_NAMES = re.compile(r"health\s*cent(re|er)|polyclinic|clinic", re.IGNORECASE)

_DEAD_KEYS = ("ruins", "disused", "abandoned")
_EARTH_M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class Poi:
    """A named place from OSM: id (``n123``/``w456``), kind, name, lat and lon (degrees).

    ``merged`` lists the ids of the other OSM objects folded into it.
    """

    id: str
    kind: str
    name: str
    lat: float
    lon: float
    merged: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Raw:
    """One OSM object before cleaning (internal)."""

    id: str
    kinds: tuple[str, ...]
    name: str
    named: bool
    lat: float
    lon: float
    dead: bool
    outline: shapely.Polygon | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CleanAccounts:
    """Result of :func:`clean_accounts`: the accounts and what cleaning did.

    ``dropped`` are ``(id, name, reason)``; ``groups`` the merged groups as
    ``(kept id, name, kind, member ids)``.
    """

    pois: list[Poi]
    raw: int
    dropped: list[tuple[str, str, str]]
    groups: list[tuple[str, str, str, tuple[str, ...]]]

    def quality_table(self) -> list[dict[str, object]]:
        """Rows of the data-quality table: raw, dropped, merged away, kept."""
        merged_away = sum(len(members) - 1 for *_, members in self.groups)
        return [
            {"step": "raw OSM objects", "objects": self.raw},
            {"step": "dropped (ruins, disused)", "objects": -len(self.dropped)},
            {"step": "merged into another (same name or building)", "objects": -merged_away},
            {"step": "accounts kept", "objects": len(self.pois)},
        ]


def _normal(name: str) -> str:
    """Name for comparison: no accents, case or punctuation."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _read_raw(path: Path) -> list[_Raw]:
    """Every object with a healthcare type, with its tags' verdicts."""
    raw = []
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("amenity", "healthcare"))
    )
    for obj in processor:
        if obj.is_relation():
            continue
        tags = obj.tags
        kinds = tuple(
            ACCOUNT_TYPES[v]
            for v in (tags.get("amenity"), tags.get("healthcare"))
            if v in ACCOUNT_TYPES
        )
        if not kinds:
            continue
        outline = None
        if obj.is_node():
            lat, lon = obj.location.lat, obj.location.lon
        else:
            located = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
            if not located:
                continue
            lon = sum(x for x, _ in located) / len(located)
            lat = sum(y for _, y in located) / len(located)
            if len(located) >= 4 and located[0] == located[-1]:
                outline = shapely.Polygon(located)
        ident = f"{obj.type_str()}{obj.id}"
        name = tags.get("name", "")
        dead = (
            any(tags.get(k) not in (None, "no") for k in _DEAD_KEYS)
            or tags.get("historic") == "ruins"
            or "ruin" in name.lower()
        )
        if "hospital" in kinds and CLINIC_NAMES.search(name):
            kinds = tuple("clinic" if k == "hospital" else k for k in kinds)
        best = min(kinds, key=PRECEDENCE.index)
        label = name or f"{best.title()} {ident}"
        raw.append(_Raw(ident, kinds, label, bool(name), lat, lon, dead, outline))
    return raw


def clean_accounts(path: Path) -> CleanAccounts:
    """Read the healthcare places of an extract and clean them into accounts.

    Parameters
    ----------
    path
        An ``.osm.pbf`` (or ``.osm``) extract.

    Returns
    -------
    CleanAccounts
        One :class:`Poi` per account (ordered by the first OSM object of its group), the
        number of raw objects, the dropped ones with the reason and the merged groups.
    """
    raw = _read_raw(path)
    dropped = [(r.id, r.name, "ruins or disused") for r in raw if r.dead]
    alive = [r for r in raw if not r.dead]
    if not alive:
        return CleanAccounts([], len(raw), dropped, [])
    lat0 = np.radians(np.mean([r.lat for r in alive]))
    xy = np.asarray([(r.lon * np.cos(lat0), r.lat) for r in alive]) * _EARTH_M_PER_DEG
    groups = DisjointSet(range(len(alive)))
    names = [_normal(r.name) if r.named else "" for r in alive]
    tree = cKDTree(xy)
    for i, j in tree.query_pairs(max(MERGE_RADIUS_M, UNNAMED_RADIUS_M)):
        a, b = alive[i], alive[j]
        distance = float(np.hypot(*(xy[i] - xy[j])))
        same_type = bool(set(a.kinds) & set(b.kinds))
        near = distance <= MERGE_RADIUS_M
        same_name = near and names[i] != "" and names[i] == names[j]
        same_building = near and any(
            o is not None and o.covers(shapely.Point(p.lon, p.lat))
            for o, p in ((a.outline, b), (b.outline, a))
        )
        part = "hospital" in set(a.kinds) & set(b.kinds) and a.named != b.named
        same_spot = same_type and distance <= SAME_SPOT_M
        if same_name or same_building or part or same_spot:
            groups.merge(i, j)
    pois, merged = [], []
    for members in sorted(groups.subsets(), key=min):
        order = sorted(members)
        named_kinds = [k for m in order if alive[m].named for k in alive[m].kinds]
        kinds = named_kinds or [k for m in order for k in alive[m].kinds]
        kind = min(kinds, key=PRECEDENCE.index)
        ways = [m for m in order if alive[m].outline is not None]
        if ways:
            anchor = max(ways, key=lambda m: alive[m].outline.area)
            lat, lon = alive[anchor].lat, alive[anchor].lon
        else:
            anchor = order[0]
            lat = float(np.mean([alive[m].lat for m in order]))
            lon = float(np.mean([alive[m].lon for m in order]))
        named = sorted((alive[m].name for m in order if alive[m].named), key=len)
        name = alive[anchor].name if alive[anchor].named or not named else named[0]
        others = tuple(alive[m].id for m in order if m != anchor)
        pois.append(Poi(alive[anchor].id, kind, name, float(lat), float(lon), others))
        if others:
            merged.append((alive[anchor].id, name, kind, tuple(alive[m].id for m in order)))
    return CleanAccounts(pois, len(raw), dropped, merged)


def read_healthcare_pois(path: Path) -> list[Poi]:
    """Return the cleaned accounts of an extract (see :func:`clean_accounts`).

    Parameters
    ----------
    path
        An ``.osm.pbf`` (or ``.osm``) extract.

    Returns
    -------
    list of Poi
        One per account; unnamed places are named after their kind and OSM id.
    """
    return clean_accounts(path).pois
