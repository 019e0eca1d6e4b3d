"""Geocoders behind one protocol: the offline index and a Nominatim server.

:func:`geocode` is the one entry point; it applies ``min_quality`` so that no
answer below it is ever placed, whatever the engine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

from solver.errors import InvalidProblemError
from solver.geocode.model import AddressQuery, GeocodeResult, MatchedAddress, quality_rank
from solver.model import Location

DEFAULT_MIN_QUALITY = "street"


@runtime_checkable
class Geocoder(Protocol):
    """Anything that finds one address: :class:`~solver.geocode.AddressIndex`, Nominatim."""

    def lookup(self, query: AddressQuery) -> GeocodeResult:
        """Return the best answer for one query, with its quality (no gate)."""
        ...


def _as_query(item: AddressQuery | str | Mapping[str, Any], position: int) -> AddressQuery:
    if isinstance(item, AddressQuery):
        return item
    if isinstance(item, str):
        return AddressQuery(text=item)
    if isinstance(item, Mapping):
        unknown = set(item) - {f.name for f in dataclasses.fields(AddressQuery)}
        if unknown:
            raise InvalidProblemError(
                f"unknown field(s) {', '.join(sorted(unknown))}.",
                entity="Address",
                field=f"queries[{position}]",
            )
        try:
            return AddressQuery(**item)
        except InvalidProblemError as exc:
            raise exc.with_field_prefix(f"queries[{position}]") from None
    raise InvalidProblemError(
        f"expected text or address fields, got {type(item).__name__}.",
        entity="Address",
        field=f"queries[{position}]",
    )


def geocode(
    queries: Iterable[AddressQuery | str | Mapping[str, Any]],
    *,
    index: Geocoder,
    min_quality: str = DEFAULT_MIN_QUALITY,
) -> list[GeocodeResult]:
    """Place addresses; answers below ``min_quality`` are not placed (never a silent guess).

    Parameters
    ----------
    queries
        Free text, :class:`AddressQuery` or mappings of its fields.
    index
        The geocoder: an :class:`~solver.geocode.AddressIndex` (offline, from the
        network's extract) or a :class:`NominatimGeocoder`.
    min_quality
        Worst quality that is placed: ``address``, ``interpolated``, ``street``
        (default), ``postcode`` or ``city``.

    Returns
    -------
    list[GeocodeResult]
        One answer per query, in order; ``placed`` is False (and ``location`` None)
        below ``min_quality``, with the reason.

    Raises
    ------
    InvalidProblemError
        When a query or ``min_quality`` is malformed.
    """
    worst = quality_rank(min_quality)
    if min_quality == "none":
        raise InvalidProblemError(
            "min_quality 'none' would place nothing; use 'city' at the lowest.",
            field="min_quality",
        )
    parsed = [_as_query(item, position) for position, item in enumerate(queries)]
    if parsed and not isinstance(index, Geocoder):
        raise TypeError(f"index must be a Geocoder (an AddressIndex, ...), got {index!r}")
    results = []
    for query in parsed:
        answer = index.lookup(query)
        if answer.quality != "none" and quality_rank(answer.quality) <= worst:
            results.append(dataclasses.replace(answer, placed=True))
        else:
            reason = answer.reason or (
                f"best match is at quality '{answer.quality}', below min_quality '{min_quality}'"
            )
            results.append(dataclasses.replace(answer, placed=False, location=None, reason=reason))
    return results


# Nominatim's addresstype / type -> our quality
_NOMINATIM_QUALITY = {
    "house": "address",
    "building": "address",
    "amenity": "address",
    "shop": "address",
    "office": "address",
    "houses": "interpolated",
    "road": "street",
    "street": "street",
    "residential": "street",
    "pedestrian": "street",
    "square": "street",
    "postcode": "postcode",
    "city": "city",
    "town": "city",
    "village": "city",
    "hamlet": "city",
    "municipality": "city",
    "suburb": "city",
    "neighbourhood": "city",
    "quarter": "city",
    "city_district": "city",
}


def nominatim_quality(raw: Mapping[str, Any]) -> str:
    """Map one Nominatim answer (its ``jsonv2`` JSON) to a quality.

    Parameters
    ----------
    raw
        One result object as Nominatim returns it (``addresstype``, ``type``,
        ``category``/``class``, ``place_rank``).

    Returns
    -------
    str
        ``address`` for a house or building, ``interpolated`` for a number on an
        interpolation line, ``street``, ``postcode``, ``city`` or ``none``.
    """
    if raw.get("type") == "houses" or raw.get("addresstype") == "houses":
        return "interpolated"
    for key in ("addresstype", "type"):
        quality = _NOMINATIM_QUALITY.get(str(raw.get(key, "")))
        if quality is not None:
            if quality == "street" and raw.get("address", {}).get("house_number"):
                return "address"
            return quality
    rank = int(raw.get("place_rank", 0) or 0)
    if rank >= 30:
        return "address"
    if rank >= 26:
        return "street"
    if rank >= 12:
        return "city"
    return "none"


class NominatimGeocoder:
    """The organisation's own Nominatim server, through geopy, rate limited.

    Parameters
    ----------
    url
        Base URL of the server, e.g. ``"https://nominatim.example.org"``.
    user_agent
        Sent with every request (Nominatim's usage policy asks for one).
    min_delay_s
        Minimum delay between two requests, seconds (geopy's ``RateLimiter``).
    timeout_s
        Timeout of one request, seconds.
    max_retries
        Retries of a failed request (by the rate limiter).
    adapter_factory
        geopy adapter factory (tests pass one that serves a recorded response).
    """

    def __init__(
        self,
        url: str,
        *,
        user_agent: str = "fieldroute",
        min_delay_s: float = 1.0,
        timeout_s: float = 10.0,
        max_retries: int = 2,
        adapter_factory: Callable[..., Any] | None = None,
    ) -> None:
        from urllib.parse import urlsplit

        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidProblemError(
                f"Nominatim URL {url!r} must be an http(s) URL.", field="nominatim_url"
            )
        options: dict[str, Any] = {}
        if adapter_factory is not None:
            options["adapter_factory"] = adapter_factory
        self._client = Nominatim(
            user_agent=user_agent,
            domain=parts.netloc + parts.path.rstrip("/"),
            scheme=parts.scheme,
            timeout=timeout_s,
            **options,
        )
        self._geocode = RateLimiter(
            self._client.geocode,
            min_delay_seconds=min_delay_s,
            max_retries=max_retries,
            swallow_exceptions=False,
        )

    def lookup(self, query: AddressQuery) -> GeocodeResult:
        """Ask the server for one query (see :class:`Geocoder`)."""
        if query.text is not None:
            request: str | dict[str, str] = query.text
        else:
            street = " ".join(p for p in (query.housenumber, query.street) if p)
            request = {
                key: value
                for key, value in (
                    ("street", street),
                    ("postalcode", query.postcode),
                    ("city", query.city),
                    ("country", query.country),
                )
                if value
            }
        found = self._geocode(request, exactly_one=True, addressdetails=True)
        if found is None:
            return GeocodeResult(query=query, quality="none", score=0.0, reason="no match")
        raw = found.raw
        address = raw.get("address", {})
        return GeocodeResult(
            query=query,
            quality=nominatim_quality(raw),
            score=1.0,  # Nominatim gives no match score: its answer is taken as found
            location=Location(lat=float(found.latitude), lon=float(found.longitude)),
            matched=MatchedAddress(
                street=address.get("road") or address.get("pedestrian"),
                housenumber=address.get("house_number"),
                postcode=address.get("postcode"),
                city=address.get("city") or address.get("town") or address.get("village"),
                country=address.get("country"),
            ),
        )
