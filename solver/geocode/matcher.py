"""Match address queries against the offline index: exact keys first, then rapidfuzz."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from solver.geocode.index import AddressColumns
from solver.geocode.model import AddressQuery, GeocodeResult, MatchedAddress
from solver.geocode.text import fold, housenumber_key, place_key, postcode_key, street_key
from solver.model import Location

STREET_CUTOFF = 80.0  # rapidfuzz ratio (0-100) a street needs on its own
FUZZY_CUTOFF = 70.0  # ... and with its house number, postcode or city agreeing
CITY_CUTOFF = 85.0
AMBIGUOUS_M = 250.0  # two equally good answers further apart than this: not placed
_NUMBER_FIRST = re.compile(r"^\s*(\d+\s?[A-Za-z]?(?:[/-]\d+[A-Za-z]?)?)[\s,]+(.+)$")
_NUMBER_LAST = re.compile(r"^(.+?)[\s,]+(\d+\s?[A-Za-z]?(?:[/-]\d+[A-Za-z]?)?)\s*$")


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000.0 * math.hypot(dlat, dlon)


def split_housenumber(street: str) -> tuple[str, str]:
    """Split ``"Rue Grimaldi 12"`` or ``"12 Rue Grimaldi"`` into street and number.

    Parameters
    ----------
    street
        Street line as written.

    Returns
    -------
    tuple[str, str]
        ``(street, housenumber)``; the number is ``""`` when there is none.
    """
    line = street.strip().splitlines()[0] if street.strip() else ""
    for pattern, street_group, number_group in ((_NUMBER_LAST, 1, 2), (_NUMBER_FIRST, 2, 1)):
        found = pattern.match(line)
        if found and re.search(r"[A-Za-zÀ-ÿ]{2}", found.group(street_group)):
            return found.group(street_group).strip(" ,"), found.group(number_group)
    return line.strip(" ,"), ""


def _medoid(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Return the given point nearest to the mean (a real place, never between two towns)."""
    lat = sum(p[0] for p in points) / len(points)
    lon = sum(p[1] for p in points) / len(points)
    return min(points, key=lambda p: (p[0] - lat) ** 2 + (p[1] - lon) ** 2)


class AddressIndex:
    """The offline address index, ready for queries (see :func:`solver.geocode.geocode`).

    Parameters
    ----------
    columns
        What :func:`solver.geocode.index.read_address_columns` read (or the saved file).
    """

    def __init__(self, columns: AddressColumns) -> None:
        self.columns = columns
        a = columns.addresses
        self.address_count = len(a.get("street", []))
        # street key -> house number key -> rows
        self._numbers: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._street_rows: dict[str, list[int]] = defaultdict(list)
        self._street_names: dict[str, str] = {}
        postcode_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
        city_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self._postcode_names: dict[str, str] = {}
        self._city_names: dict[str, str] = {}
        for row in range(self.address_count):
            key = street_key(a["street"][row])
            for number in re.split(r"[;,]", a["housenumber"][row]):  # "7;9": two numbers
                if housenumber_key(number):
                    self._numbers[key][housenumber_key(number)].append(row)
            self._street_rows[key].append(row)
            self._street_names.setdefault(key, a["street"][row])
            point = (a["lat"][row], a["lon"][row])
            if a["postcode"][row]:
                pkey = postcode_key(a["postcode"][row])
                postcode_points[pkey].append(point)
                self._postcode_names.setdefault(pkey, a["postcode"][row])
            if a["city"][row]:
                ckey = place_key(a["city"][row])
                city_points[ckey].append(point)
                self._city_names.setdefault(ckey, a["city"][row])
        self._road_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
        s = columns.streets
        for name, lat, lon in zip(s["name"], s["lat"], s["lon"], strict=True):
            key = street_key(name)
            self._road_points[key].append((lat, lon))
            self._street_names.setdefault(key, name)
        self._lines: dict[str, list[int]] = defaultdict(list)
        for row, name in enumerate(columns.interpolations.get("street", [])):
            key = street_key(name)
            self._lines[key].append(row)
            self._street_names.setdefault(key, name)
        p = columns.places
        place_points: dict[str, tuple[float, float]] = {}
        for name, lat, lon in zip(p["name"], p["lat"], p["lon"], strict=True):
            ckey = place_key(name)
            place_points.setdefault(ckey, (lat, lon))
            self._city_names.setdefault(ckey, name)
        self._postcodes = {k: _medoid(v) for k, v in postcode_points.items()}
        self._cities = {k: place_points.get(k) or _medoid(v) for k, v in city_points.items()}
        for key, point in place_points.items():
            self._cities.setdefault(key, point)
        self._street_keys = list(self._street_names)
        self._full = {fold(name): key for key, name in self._street_names.items()}
        for row in range(self.address_count):
            self._full.setdefault(fold(a["street"][row]), street_key(a["street"][row]))
        self._full_keys = list(self._full)
        area_sets: dict[str, set[str]] = defaultdict(set)
        for row in range(self.address_count):
            for area in (
                postcode_key(a["postcode"][row] or a["area_postcode"][row]),
                place_key(a["city"][row] or a["area_city"][row]),
            ):
                if area:
                    area_sets[area].add(a["street"][row])
        self._area_streets = {
            area: (sorted({street_key(n) for n in names}), sorted({fold(n) for n in names}))
            for area, names in area_sets.items()
        }
        self._city_keys = list(self._cities)

    # -- parsing -------------------------------------------------------------------------
    def parse(self, query: AddressQuery) -> AddressQuery:
        """Return a structured query: free text split, a number in the street split off.

        Parameters
        ----------
        query
            Free text (``text``) or structured fields.

        Returns
        -------
        AddressQuery
            With ``street``, ``housenumber``, ``postcode`` and ``city`` filled where found.
        """
        if query.text is None:
            street, number = query.street or "", query.housenumber or ""
            if street and not number:
                street, number = split_housenumber(street)
            return AddressQuery(
                street=street or None,
                housenumber=number or None,
                postcode=query.postcode,
                city=query.city,
                country=query.country,
            )
        street = number = postcode = city = ""
        parts = [part.strip() for part in re.split(r"[,\n]", query.text) if part.strip()]
        for part in parts:
            words = part.split()
            rest = []
            i = 0
            while i < len(words):  # postcodes of one or two words (9490, MST 1234)
                pair = " ".join(words[i : i + 2])
                if not postcode and i + 1 < len(words) and postcode_key(pair) in self._postcodes:
                    postcode, i = pair, i + 2
                    continue
                key = postcode_key(words[i])
                if not postcode and key in self._postcodes and any(c.isdigit() for c in key):
                    postcode, i = words[i], i + 1
                    continue
                rest.append(words[i])
                i += 1
            if not city and len(rest) > 1:  # a city at the end of a part: "Städtle 38 Vaduz"
                for size in (3, 2, 1):
                    tail = " ".join(rest[-size:])
                    if size < len(rest) and place_key(tail) in self._cities:
                        city, rest = tail, rest[:-size]
                        break
            text = " ".join(rest)
            if not text:
                continue
            candidate, found_number = split_housenumber(text)
            if not street and found_number:
                street, number = candidate, found_number
            elif (
                not city
                and place_key(text) in self._cities
                and (street or len(parts) > 1 or street_key(text) not in self._street_names)
            ):
                city = text
            elif not street:
                street = text
            elif not city:
                city = text
        return AddressQuery(
            street=street or None,
            housenumber=number or None,
            postcode=postcode or None,
            city=city or None,
            country=query.country,
        )

    # -- matching ------------------------------------------------------------------------
    def _streets_like(
        self, name: str, postcode: str = "", city: str | None = None
    ) -> list[tuple[str, float]]:
        """Street keys like ``name``, best first, with their similarity (0-100).

        Exact keys first; then rapidfuzz on both the short keys and the plainly folded
        names (a typo in ``strasse`` must not hide ``Landstrasse``), among the streets
        of the given postcode / city first, then among all.
        """
        key = street_key(name)
        if key in self._street_names:
            return [(key, 100.0)]
        folded = fold(name)
        if folded in self._full:
            return [(self._full[folded], 100.0)]
        pools = []
        for area in (postcode, city):
            if area and area in self._area_streets:
                pools.append(self._area_streets[area])
        pools.append((self._street_keys, self._full_keys))
        for short_keys, full_names in pools:
            best: dict[str, float] = {}
            for found, score, _ in process.extract(
                key, short_keys, scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_CUTOFF
            ):
                best[found] = max(best.get(found, 0.0), float(score))
            for found, score, _ in process.extract(
                folded, full_names, scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_CUTOFF
            ):
                target = self._full[found]
                best[target] = max(best.get(target, 0.0), float(score))
            if best:
                return sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return []

    def _city_like(self, name: str) -> tuple[str | None, float]:
        key = place_key(name)
        if key in self._cities:
            return key, 100.0
        found = process.extractOne(
            key, self._city_keys, scorer=fuzz.ratio, score_cutoff=CITY_CUTOFF
        )
        return (found[0], float(found[1])) if found else (None, 0.0)

    def _row_postcode(self, row: int) -> str:
        a = self.columns.addresses
        return postcode_key(a["postcode"][row] or a["area_postcode"][row])

    def _row_city(self, row: int) -> str:
        a = self.columns.addresses
        return place_key(a["city"][row] or a["area_city"][row])

    def _agreement(self, row: int, postcode: str, city: str | None) -> float:
        """Bonus for a row whose postcode / city agree with the query (0..1)."""
        a = self.columns.addresses
        bonus = 0.0
        row_postcode = a["postcode"][row] or a["area_postcode"][row]
        row_city = a["city"][row] or a["area_city"][row]
        if postcode and row_postcode:
            bonus += 0.5 if postcode_key(row_postcode) == postcode else -0.25
        if city and row_city:
            bonus += 0.5 if place_key(row_city) == city else -0.25
        return bonus

    def _matched(self, row: int) -> MatchedAddress:
        a = self.columns.addresses
        return MatchedAddress(
            street=a["street"][row],
            housenumber=a["housenumber"][row],
            postcode=a["postcode"][row] or None,
            city=a["city"][row] or None,
            country=a["country"][row] or None,
        )

    def lookup(self, query: AddressQuery) -> GeocodeResult:
        """Find one query in the index (no ``min_quality`` gate: see ``geocode``).

        Parameters
        ----------
        query
            Free text or structured fields.

        Returns
        -------
        GeocodeResult
            The best answer and its quality (``none`` when nothing fits).
        """
        parsed = self.parse(query)
        postcode = postcode_key(parsed.postcode) if parsed.postcode else ""
        known_postcode = postcode in self._postcodes
        city, city_score = self._city_like(parsed.city) if parsed.city else (None, 0.0)
        if parsed.city and city is None and not known_postcode:
            return GeocodeResult(
                query=query,
                quality="none",
                score=0.0,
                reason=f"city {parsed.city!r} is not in this address index",
            )
        streets = (
            self._streets_like(parsed.street, postcode if known_postcode else "", city)
            if parsed.street
            else []
        )
        number = housenumber_key(parsed.housenumber or "")
        postcode = postcode if known_postcode else ""
        if streets and number:
            answer = self._house(query, streets, number, postcode, city)
            if answer is not None:
                return answer
        if streets:
            answer = self._street(query, streets, postcode, city)
            if answer is not None:
                return answer
        if postcode:
            lat, lon = self._postcodes[postcode]
            return GeocodeResult(
                query=query,
                quality="postcode",
                score=1.0,
                location=Location(lat=lat, lon=lon),
                matched=MatchedAddress(postcode=self._postcode_names[postcode]),
            )
        if city is not None:
            lat, lon = self._cities[city]
            return GeocodeResult(
                query=query,
                quality="city",
                score=round(city_score / 100, 3),
                location=Location(lat=lat, lon=lon),
                matched=MatchedAddress(city=self._city_names[city]),
            )
        return GeocodeResult(query=query, quality="none", score=0.0, reason="no match")

    def _house(
        self,
        query: AddressQuery,
        streets: list[tuple[str, float]],
        number: str,
        postcode: str,
        city: str | None,
    ) -> GeocodeResult | None:
        a = self.columns.addresses
        scored: list[tuple[float, int]] = []
        for key, similarity in streets:
            for row in self._numbers.get(key, {}).get(number, ()):
                agreement = self._agreement(row, postcode, city)
                if similarity < STREET_CUTOFF and agreement <= 0:
                    continue  # a loose street match needs its postcode or city to agree
                scored.append((similarity / 100 + agreement, row))
        if scored:
            scored.sort(key=lambda item: (-item[0], item[1]))
            best_score, best = scored[0]
            for other_score, other in scored[1:]:
                if other_score < best_score - 1e-9:
                    break
                far = _distance_m(a["lat"][best], a["lon"][best], a["lat"][other], a["lon"][other])
                if far > AMBIGUOUS_M:
                    return GeocodeResult(
                        query=query,
                        quality="none",
                        score=0.0,
                        reason=(
                            f"ambiguous: {a['street'][best]} {a['housenumber'][best]} exists "
                            f"{far / 1000:.1f} km apart; give the postcode or city"
                        ),
                    )
            similarity = best_score - self._agreement(best, postcode, city)
            penalty = min(0.0, self._agreement(best, postcode, city))
            return GeocodeResult(
                query=query,
                quality="address",
                score=round(max(0.0, min(1.0, similarity + penalty)), 3),
                location=Location(lat=a["lat"][best], lon=a["lon"][best]),
                matched=self._matched(best),
            )
        wanted = _leading_int(number)
        if wanted is None:
            return None
        i = self.columns.interpolations
        for key, similarity in streets:
            for row in self._lines.get(key, ()):
                first, last, step = i["first"][row], i["last"][row], i["step"][row]
                low, high = min(first, last), max(first, last)
                if not (low <= wanted <= high) or (wanted - first) % step:
                    continue
                if postcode and i["postcode"][row] and postcode_key(i["postcode"][row]) != postcode:
                    continue
                lat, lon = _along(i["lats"][row], i["lons"][row], (wanted - first) / (last - first))
                return GeocodeResult(
                    query=query,
                    quality="interpolated",
                    score=round(similarity / 100, 3),
                    location=Location(lat=lat, lon=lon),
                    matched=MatchedAddress(
                        street=i["street"][row],
                        housenumber=str(wanted),
                        postcode=i["postcode"][row] or None,
                        city=i["city"][row] or None,
                        country=i["country"][row] or None,
                    ),
                )
        return None

    def _street(
        self,
        query: AddressQuery,
        streets: list[tuple[str, float]],
        postcode: str,
        city: str | None,
    ) -> GeocodeResult | None:
        a = self.columns.addresses
        for key, similarity in streets:
            if similarity < STREET_CUTOFF:
                continue
            rows = self._street_rows.get(key, [])
            chosen = [
                r
                for r in rows
                if (not postcode or self._row_postcode(r) == postcode)
                and (city is None or self._row_city(r) == city)
            ] or rows
            if chosen:
                lat, lon = _medoid([(a["lat"][r], a["lon"][r]) for r in chosen])
                sample = chosen[0]
                matched = MatchedAddress(
                    street=a["street"][sample],
                    postcode=a["postcode"][sample] or None,
                    city=a["city"][sample] or None,
                    country=a["country"][sample] or None,
                )
            elif self._road_points.get(key):
                points = self._road_points[key]
                anchor = self._postcodes.get(postcode) or (self._cities.get(city) if city else None)
                if anchor is not None:
                    lat, lon = min(points, key=lambda p: _distance_m(*anchor, *p))
                else:
                    lat, lon = _medoid(points)
                matched = MatchedAddress(street=self._street_names[key])
            else:
                continue
            return GeocodeResult(
                query=query,
                quality="street",
                score=round(similarity / 100, 3),
                location=Location(lat=lat, lon=lon),
                matched=matched,
            )
        return None


def _leading_int(number: str) -> int | None:
    found = re.match(r"\d+", number)
    return int(found.group()) if found else None


def _along(lats: Sequence[float], lons: Sequence[float], fraction: float) -> tuple[float, float]:
    """Point at ``fraction`` (0..1) of the length of a polyline."""
    steps = [_distance_m(lats[k], lons[k], lats[k + 1], lons[k + 1]) for k in range(len(lats) - 1)]
    target = sum(steps) * fraction
    for k, step in enumerate(steps):
        if target <= step or k == len(steps) - 1:
            t = 0.0 if step == 0 else min(1.0, target / step)
            return lats[k] + t * (lats[k + 1] - lats[k]), lons[k] + t * (lons[k + 1] - lons[k])
        target -= step
    return lats[0], lons[0]
