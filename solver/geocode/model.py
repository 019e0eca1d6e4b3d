"""Queries and answers of the geocoder (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass

from solver.errors import InvalidProblemError
from solver.model import Location

#: Answer qualities, best first. ``interpolated``: a number placed along an
#: ``addr:interpolation`` line; ``none``: not placed.
QUALITIES = ("address", "interpolated", "street", "postcode", "city", "none")


def quality_rank(quality: str) -> int:
    """Rank of a quality, 0 = best (``address``) .. 5 = ``none``.

    Parameters
    ----------
    quality
        One of :data:`QUALITIES`.

    Returns
    -------
    int
        Its position in :data:`QUALITIES`.

    Raises
    ------
    InvalidProblemError
        When ``quality`` is not one of them.
    """
    try:
        return QUALITIES.index(quality)
    except ValueError:
        raise InvalidProblemError(
            f"min_quality {quality!r} is not one of {', '.join(QUALITIES[:-1])}.",
            field="min_quality",
        ) from None


@dataclass(frozen=True, slots=True)
class AddressQuery:
    """An address to find: free ``text`` or structured fields (not both).

    Parameters
    ----------
    text
        Free text, e.g. ``"Städtle 38, 9490 Vaduz"``.
    street, housenumber, postcode, city, country
        Structured fields; a number at the start or end of ``street`` is used when
        ``housenumber`` is absent.
    """

    text: str | None = None
    street: str | None = None
    housenumber: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        fields = (self.street, self.housenumber, self.postcode, self.city, self.country)
        for name, value in zip(
            ("text", "street", "housenumber", "postcode", "city", "country"),
            (self.text, *fields),
            strict=True,
        ):
            if value is not None and not isinstance(value, str):
                raise InvalidProblemError(
                    f"{name} must be text, got {type(value).__name__}.",
                    entity="Address",
                    field=name,
                )
        if self.text is not None and any(f for f in fields[:4]):
            raise InvalidProblemError(
                "give either free text or structured fields, not both.",
                entity="Address",
                field="text",
            )
        if not (self.text or "").strip() and not any((f or "").strip() for f in fields[:4]):
            raise InvalidProblemError(
                "is empty (give text, or street, postcode or city).", entity="Address"
            )

    def label(self) -> str:
        """Return the query as one line of text."""
        if self.text is not None:
            return " ".join(self.text.split())
        street = " ".join(p for p in (self.street, self.housenumber) if p)
        town = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (street, town, self.country) if p)


@dataclass(frozen=True, slots=True)
class MatchedAddress:
    """The address an answer stands for (fields absent at coarser qualities are ``None``)."""

    street: str | None = None
    housenumber: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None

    def label(self) -> str:
        """Return the address as one line of text."""
        street = " ".join(p for p in (self.street, self.housenumber) if p)
        town = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (street, town, self.country) if p)


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    """One answer.

    Parameters
    ----------
    query
        What was asked.
    quality
        One of :data:`QUALITIES`.
    score
        Confidence of the match, 0..1 (1 = every given field agrees exactly).
    location
        Where, WGS84; ``None`` when not placed.
    matched
        The address matched; ``None`` when not placed.
    placed
        Whether the answer is at or above the requested ``min_quality``.
    reason
        Why it was not placed (or why the quality is low), else ``None``.
    """

    query: AddressQuery
    quality: str
    score: float
    location: Location | None = None
    matched: MatchedAddress | None = None
    placed: bool = False
    reason: str | None = None

    def __post_init__(self) -> None:
        quality_rank(self.quality)
        if self.placed and self.location is None:
            raise InvalidProblemError("a placed answer needs a location.", entity="GeocodeResult")
