"""Import CRM account exports: accounts ready for territories, and a report per row."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from solver.crm.csvfile import decode_csv, read_records, sniff_delimiter
from solver.crm.formats import FORMATS, CrmFormat, column_positions, detect_format
from solver.errors import InvalidProblemError
from solver.geocode import DEFAULT_MIN_QUALITY, AddressQuery, Geocoder, geocode
from solver.geocode.model import quality_rank
from solver.model import Location

#: Status of a row in the report.
STATUSES = ("ok", "geocoded", "rejected")
#: Reason codes of rejected rows.
REASONS = (
    "BAD_FIELD_COUNT",
    "MISSING_ID",
    "DUPLICATE_ID",
    "BAD_VALUE",
    "NO_ADDRESS",
    "NOT_GEOCODED",
)
_CURRENCY = re.compile(r"[^\d.,+\-eE]")


@dataclass(frozen=True, slots=True)
class CrmAccount:
    """An account read from a CRM export.

    Parameters
    ----------
    id
        The CRM's id (Salesforce ``Id``, HubSpot ``Record ID``, ...).
    name
        Account name.
    location
        Where it is: from the file's coordinates, or geocoded.
    current_rep
        The owner in the CRM (``OwnerId``, ``Company owner``, ``Account Owner``).
    revenue
        Annual revenue, or ``None``.
    address
        The address as given, one line.
    quality
        ``file`` when the coordinates came from the file, else the geocoding quality.
    line
        Line of the file the row starts on.
    """

    id: str
    name: str | None
    location: Location
    current_rep: str | None
    revenue: float | None
    address: str | None
    quality: str
    line: int


@dataclass(frozen=True, slots=True)
class RowReport:
    """What became of one input row.

    Parameters
    ----------
    row
        Position of the row among the data rows, 1-based (blank lines are not rows).
    line
        Line of the file the row starts on (the header is usually line 1).
    crm_id
        The row's CRM id, ``None`` when it has none.
    status
        ``ok`` (coordinates from the file), ``geocoded`` or ``rejected``.
    quality
        Geocoding quality when geocoded (or tried), else ``None``.
    code
        Reason code when rejected (see :data:`REASONS`), else ``None``.
    reason
        One sentence naming the line and why, when rejected.
    """

    row: int
    line: int
    crm_id: str | None
    status: str
    quality: str | None = None
    code: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CrmImport:
    """The result of an import: accounts, and one report entry per input row, in order."""

    format: str
    encoding: str
    delimiter: str
    accounts: tuple[CrmAccount, ...]
    report: tuple[RowReport, ...]

    def counts(self) -> dict[str, int]:
        """Return the number of rows per status."""
        return {status: sum(r.status == status for r in self.report) for status in STATUSES}


def parse_number(text: str, *, decimal_comma: bool = False) -> float:
    """Read a number as CRMs and spreadsheets write it.

    Parameters
    ----------
    text
        ``"1,250,000.50"``, ``"1.250.000,50"``, ``"€ 12 500"``, ``"43,74"``.
    decimal_comma
        Whether a lone comma is the decimal mark (semicolon-separated exports).

    Returns
    -------
    float
        The value.

    Raises
    ------
    ValueError
        When it is not a number.
    """
    raw = _CURRENCY.sub("", text.replace("\u00a0", "").replace("\u202f", ""))
    if not raw or not any(c.isdigit() for c in raw):
        raise ValueError(f"{text!r} is not a number")
    if "," in raw and "." in raw:
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        raw = raw.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in raw:
        thousands = re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", raw) and not decimal_comma
        raw = raw.replace(",", "") if thousands else raw.replace(",", ".")
    elif decimal_comma and re.fullmatch(r"[+-]?\d{1,3}(\.\d{3}){2,}", raw):
        raw = raw.replace(".", "")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def _resolve_format(format: str, mapping: Mapping[str, str] | None, header: list[str]) -> CrmFormat:
    if format == "auto":
        if mapping:
            return CrmFormat("generic", dict(mapping))
        return detect_format(header)
    if format == "generic":
        if not mapping:
            raise InvalidProblemError(
                "format 'generic' needs a column mapping (field -> column).", field="mapping"
            )
        return CrmFormat("generic", dict(mapping))
    if format not in FORMATS:
        raise InvalidProblemError(
            f"format {format!r} is not one of auto, salesforce, hubspot, zoho, generic.",
            field="format",
        )
    return FORMATS[format]


def import_accounts(
    source: bytes | str | Path,
    *,
    format: str = "auto",
    mapping: Mapping[str, str] | None = None,
    geocoder: Geocoder | None = None,
    min_quality: str = DEFAULT_MIN_QUALITY,
) -> CrmImport:
    """Read a CRM account export into accounts and a report with one entry per row.

    Parameters
    ----------
    source
        The file's bytes, or a path to it.
    format
        ``auto`` (from the header; ``generic`` when ``mapping`` is given),
        ``salesforce``, ``hubspot``, ``zoho`` or ``generic``.
    mapping
        For ``generic``: account field (``id``, ``name``, ``street``, ``city``,
        ``postcode``, ``country``, ``lat``, ``lon``, ``owner``, ``revenue``) -> column.
    geocoder
        Places rows without coordinates (an :class:`~solver.geocode.AddressIndex` or a
        Nominatim geocoder); without one such rows are rejected ``NOT_GEOCODED``.
    min_quality
        Worst geocoding quality accepted (see :func:`solver.geocode.geocode`).

    Returns
    -------
    CrmImport
        Accounts (ids = CRM ids, ``current_rep`` = owner) and the report: every data
        row exactly once, in file order, ``ok``, ``geocoded`` or ``rejected`` with a
        reason code and a sentence naming the line.

    Raises
    ------
    InvalidProblemError
        When the file as a whole cannot be read: unknown encoding, no header, a quote
        never closed, an unknown format or mapping (the message names the line).
    """
    quality_rank(min_quality)
    data = Path(source).read_bytes() if isinstance(source, Path) else source
    if isinstance(data, str):
        data = data.encode("utf-8")
    text, encoding = decode_csv(data)
    delimiter = sniff_delimiter(text)
    records = read_records(text, delimiter)
    header_record = next(records, None)
    if header_record is None:
        raise InvalidProblemError("CSV file: has no header line.", field="line 1")
    header = [h.strip() for h in header_record.fields]
    fmt = _resolve_format(format, mapping, header)
    where = column_positions(fmt, header, header_line=header_record.line)
    decimal_comma = delimiter == ";"

    report: list[RowReport | None] = []
    accounts: list[CrmAccount | None] = []
    pending: list[tuple[int, AddressQuery, dict]] = []  # (position, query, row values)
    first_line: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        values, problem = _row_values(record.fields, where, len(header), decimal_comma)
        crm_id = values.get("id") or None

        def reject(code: str, why: str, *, _n=number, _r=record, _id=crm_id) -> None:
            report.append(
                RowReport(_n, _r.line, _id, "rejected", code=code, reason=f"Line {_r.line}: {why}")
            )
            accounts.append(None)

        if problem is not None:
            reject(*problem)
            continue
        if crm_id is None:
            reject("MISSING_ID", f"the id column {fmt.columns['id']!r} is empty.")
            continue
        if crm_id in first_line:
            reject("DUPLICATE_ID", f"id {crm_id!r} is already on line {first_line[crm_id]}.")
            continue
        first_line[crm_id] = record.line
        address = _address(values)
        if values.get("lat") is not None:
            location = Location(lat=values["lat"], lon=values["lon"])
            report.append(RowReport(number, record.line, crm_id, "ok"))
            accounts.append(_account(values, location, address, "file", record.line))
            continue
        if not any(values.get(f) for f in ("street", "postcode", "city")):
            reject("NO_ADDRESS", "has neither coordinates nor an address (street, city).")
            continue
        if geocoder is None:
            reject("NOT_GEOCODED", "has no coordinates and no geocoder was given.")
            continue
        query = AddressQuery(
            street=values.get("street") or None,
            postcode=values.get("postcode") or None,
            city=values.get("city") or None,
            country=values.get("country") or None,
        )
        pending.append((len(report), query, {**values, "_line": record.line, "_n": number}))
        report.append(None)
        accounts.append(None)

    if pending:
        results = geocode([q for _, q, _ in pending], index=geocoder, min_quality=min_quality)
        for (position, _, values), result in zip(pending, results, strict=True):
            line, number = values["_line"], values["_n"]
            if result.placed:
                report[position] = RowReport(
                    number, line, values["id"], "geocoded", quality=result.quality
                )
                accounts[position] = _account(
                    values, result.location, _address(values), result.quality, line
                )
            else:
                report[position] = RowReport(
                    number,
                    line,
                    values["id"],
                    "rejected",
                    quality=result.quality,
                    code="NOT_GEOCODED",
                    reason=f"Line {line}: address {_address(values)!r} not placed "
                    f"({result.reason}).",
                )
    return CrmImport(
        format=fmt.name,
        encoding=encoding,
        delimiter=delimiter,
        accounts=tuple(a for a in accounts if a is not None),
        report=tuple(r for r in report if r is not None),
    )


def _row_values(
    fields: list[str], where: Mapping[str, int], width: int, decimal_comma: bool
) -> tuple[dict, tuple[str, str] | None]:
    """Field values of one record, or the reason it is rejected."""
    if len(fields) != width and not (
        len(fields) > width and not any(f.strip() for f in fields[width:])
    ):
        known = {"id": fields[where["id"]].strip()} if where["id"] < len(fields) else {}
        return known, ("BAD_FIELD_COUNT", f"has {len(fields)} fields, the header has {width}.")
    values: dict = {
        field: fields[i].strip() for field, i in where.items() if field not in ("lat", "lon")
    }
    if "revenue" in values:
        text = values["revenue"]
        try:
            values["revenue"] = parse_number(text, decimal_comma=decimal_comma) if text else None
        except ValueError:
            return values, ("BAD_VALUE", f"revenue {text!r} is not a number.")
    lat_text = fields[where["lat"]].strip() if "lat" in where else ""
    lon_text = fields[where["lon"]].strip() if "lon" in where else ""
    if lat_text or lon_text:
        try:
            lat = parse_number(lat_text, decimal_comma=True)
            lon = parse_number(lon_text, decimal_comma=True)
        except ValueError:
            return values, (
                "BAD_VALUE",
                f"coordinates ({lat_text!r}, {lon_text!r}) are not two numbers.",
            )
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return values, ("BAD_VALUE", f"coordinates ({lat}, {lon}) are out of range.")
        values["lat"], values["lon"] = lat, lon
    return values, None


def _address(values: Mapping) -> str | None:
    street = " ".join((values.get("street") or "").split())
    town = " ".join(p for p in (values.get("postcode"), values.get("city")) if p)
    label = ", ".join(p for p in (street, town, values.get("country")) if p)
    return label or None


def _account(
    values: Mapping, location: Location, address: str | None, quality: str, line: int
) -> CrmAccount:
    return CrmAccount(
        id=values["id"],
        name=values.get("name") or None,
        location=location,
        current_rep=values.get("owner") or None,
        revenue=values.get("revenue"),
        address=address,
        quality=quality,
        line=line,
    )
