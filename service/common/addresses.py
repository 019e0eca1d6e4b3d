"""Accounts given by address: the shapes, the geocoder of a process, and placing them.

Any capability whose accounts may give ``address`` instead of ``location`` (day plans,
territories, visit schedules) places them with one call, :func:`locate_accounts`, in the
worker that solves the request: it geocodes the accounts that have no location, returns
the request with those locations filled in and the accounts that could not be placed
left out, and a :class:`Placement` from which the response reports each account's
quality and lists the ones left out as unassigned ``NOT_GEOCODED``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, Field

from service.common.schemas import ApiModel, Loc, OutModel
from solver.errors import InvalidProblemError
from solver.geocode import (
    DEFAULT_MIN_QUALITY,
    AddressQuery,
    Geocoder,
    GeocodeResult,
    NominatimGeocoder,
    geocode,
    load_address_index,
)

#: Qualities a request may ask for as its ``min_quality`` (worst placed).
MinQuality = Annotated[
    Literal["address", "interpolated", "street", "postcode", "city"],
    Field(description="Worst geocoding quality that is placed (default 'street')."),
]

Req = TypeVar("Req", bound=BaseModel)

#: The reason code of an account whose address could not be placed.
NOT_GEOCODED = "NOT_GEOCODED"

Text = Annotated[str, Field(max_length=500)]


class AddressFields(ApiModel):
    """A structured postal address (any of the fields; at least street, postcode or city)."""

    street: Text | None = None
    """Street name, without the house number; null = not given."""
    housenumber: Annotated[str, Field(max_length=50)] | None = None
    """House number on the street (may carry a letter, e.g. '12a'); null = not given."""
    postcode: Annotated[str, Field(max_length=50)] | None = None
    """Postal code; null = not given."""
    city: Text | None = None
    """City, town or village; null = not given."""
    country: Text | None = None
    """Country, name or ISO 3166 code; null = not given."""


#: An address: free text (``"Städtle 38, 9490 Vaduz"``) or structured fields.
AddressIn = Annotated[str, Field(max_length=1000)] | AddressFields


class MatchedOut(OutModel):
    """The address an answer stands for."""

    street: str | None = None
    """Street of the matched address; null when the match is coarser (postcode, city)."""
    housenumber: str | None = None
    """House number of the matched address; null when the match is a street, postcode or city."""
    postcode: str | None = None
    """Postal code of the matched address; null when unknown."""
    city: str | None = None
    """City, town or village of the matched address; null when unknown."""
    country: str | None = None
    """Country of the matched address; null when unknown."""
    label: str
    """The matched address as one line of text ('street number, postcode city, country')."""


class GeocodedOut(OutModel):
    """One geocoding answer (for a query, or for an account given by address)."""

    account_id: str | None = Field(default=None, description="The account (accounts only).")
    query: str = Field(description="What was asked, as one line.")
    quality: str = Field(
        description="address | interpolated | street | postcode | city | none.",
        examples=["address"],
    )
    score: float = Field(ge=0, le=1, description="Confidence of the match, 0..1.")
    placed: bool = Field(description="Whether the answer is at or above min_quality.")
    location: Loc | None = None
    """Where the address is, WGS84 {'lat', 'lon'} in degrees; null when not placed."""
    matched: MatchedOut | None = None
    """The address the answer stands for; null when nothing matched."""
    reason: str | None = Field(default=None, description="Why it was not placed.")


def to_query(address: str | AddressFields) -> AddressQuery:
    """Return the solver query of a request address.

    Raises
    ------
    InvalidProblemError
        When the address is empty, or gives free text and fields at once.
    """
    if isinstance(address, str):
        return AddressQuery(text=address)
    return AddressQuery(**address.model_dump())


def address_label(address: str | AddressFields | None) -> str | None:
    """Return an address as one line of text (for calendars and maps); None stays None."""
    if address is None or isinstance(address, str):
        return address
    street = " ".join(p for p in (address.street, address.housenumber) if p)
    town = " ".join(p for p in (address.postcode, address.city) if p)
    return ", ".join(p for p in (street, town, address.country) if p) or None


def geocoded_out(result: GeocodeResult, account_id: str | None = None) -> GeocodedOut:
    """Return the response shape of one geocoding answer."""
    matched = None
    if result.matched is not None:
        matched = MatchedOut(
            street=result.matched.street,
            housenumber=result.matched.housenumber,
            postcode=result.matched.postcode,
            city=result.matched.city,
            country=result.matched.country,
            label=result.matched.label(),
        )
    location = None
    if result.location is not None and result.placed:
        location = Loc(lat=float(result.location.lat), lon=float(result.location.lon))
    return GeocodedOut(
        account_id=account_id,
        query=result.query.label(),
        quality=result.quality,
        score=round(float(result.score), 4),
        placed=result.placed,
        location=location,
        matched=matched,
        reason=result.reason,
    )


@lru_cache(maxsize=8)
def _nominatim(url: str, min_delay_s: float) -> NominatimGeocoder:
    return NominatimGeocoder(url, min_delay_s=min_delay_s)


def get_geocoder(network: str | None, config: Any) -> Geocoder:
    """Return the geocoder of this process: the network's address index, or Nominatim.

    Parameters
    ----------
    network
        The road network whose extract's addresses are used (``geocoder="offline"``).
    config
        The :class:`~service.common.runtime.RuntimeConfig` (geocoder settings).

    Raises
    ------
    InvalidProblemError
        Offline without a road network (an explicit matrix), or Nominatim without a URL.
    NetworkNotFoundError
        When the network is missing or was built before address indexes.
    """
    if config.geocoder == "nominatim":
        if not config.nominatim_url:
            raise InvalidProblemError(
                "FIELDROUTE_GEOCODER=nominatim needs FIELDROUTE_NOMINATIM_URL (your server).",
                field="address",
            )
        return _nominatim(config.nominatim_url, config.nominatim_min_delay_s)
    if network is None:
        raise InvalidProblemError(
            "an address can only be placed on a road network, not with an explicit matrix.",
            field="network",
        )
    return load_address_index(network, networks_dir=Path(config.networks_dir))


@dataclass(frozen=True)
class Placement:
    """What :func:`locate_accounts` did: one answer per account given by address."""

    answers: tuple[GeocodedOut, ...] = ()
    not_placed: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """``(account_id, detail)`` of every account left out (reason ``NOT_GEOCODED``)."""


def check_located(accounts: Sequence[Any], path: str = "accounts") -> None:
    """Raise a 422 naming the account that gives neither ``location`` nor ``address``."""
    for i, account in enumerate(accounts):
        if account.location is None and account.address is None:
            raise InvalidProblemError(
                "give a location or an address.",
                entity=f"{path}[{i}]",
                entity_id=account.id,
                field=f"{path}[{i}].location",
            )


def by_location_only(request: Req) -> Req:
    """Return the request without its accounts given by address only (for validation)."""
    check_located(request.accounts)
    kept = [a for a in request.accounts if a.location is not None]
    return request.model_copy(update={"accounts": kept})


def as_placed(request: Req, geocoding: Sequence[GeocodedOut]) -> Req:
    """Return a stored request as it was planned, for its exports.

    Accounts given by address get the location the answer's ``geocoding`` gave them;
    those not placed are left out (the answer has them unassigned, ``NOT_GEOCODED``).
    """
    placed = {g.account_id: g.location for g in geocoding if g.placed and g.location}
    accounts = [
        a.model_copy(update={"location": placed[a.id]})
        if a.location is None and a.id in placed
        else a
        for a in request.accounts
        if a.location is not None or a.id in placed
    ]
    return request.model_copy(update={"accounts": accounts})


def locate_accounts(
    request: Req, config: Any, *, network: str | None, min_quality: str = DEFAULT_MIN_QUALITY
) -> tuple[Req, Placement]:
    """Geocode the accounts of ``request`` that give an ``address`` but no ``location``.

    Parameters
    ----------
    request
        A request whose ``accounts`` items have ``id``, ``location`` and ``address``.
    config
        The :class:`~service.common.runtime.RuntimeConfig` (geocoder settings).
    network
        The road network the request plans on (its extract's addresses).
    min_quality
        Worst quality that is placed.

    Returns
    -------
    tuple
        The request with the placed accounts' locations filled in and the others left
        out, and the :class:`Placement` (each answer, and the accounts left out).
    """
    check_located(request.accounts)
    pending = [a for a in request.accounts if a.location is None]
    if not pending:
        return request, Placement()
    queries = []
    for i, account in enumerate(request.accounts):
        if account.location is None:
            try:
                queries.append(to_query(account.address))
            except InvalidProblemError as exc:
                raise InvalidProblemError(
                    f"address {exc.reason[0].lower() + exc.reason[1:]}",
                    entity=f"accounts[{i}]",
                    entity_id=account.id,
                    field=f"accounts[{i}].address",
                ) from None
    results = geocode(queries, index=get_geocoder(network, config), min_quality=min_quality)
    found = dict(zip((a.id for a in pending), results, strict=True))
    accounts, answers, not_placed = [], [], []
    for account in request.accounts:
        result = found.get(account.id)
        if result is None:
            accounts.append(account)
            continue
        answers.append(geocoded_out(result, account.id))
        if result.placed:
            location = Loc(lat=float(result.location.lat), lon=float(result.location.lon))
            accounts.append(account.model_copy(update={"location": location}))
        else:
            not_placed.append(
                (
                    account.id,
                    f"address {result.query.label()!r} not placed at min_quality "
                    f"'{min_quality}' ({result.reason}).",
                )
            )
    located = request.model_copy(update={"accounts": accounts})
    return located, Placement(tuple(answers), tuple(not_placed))
