"""CRM imports (``POST /v1/accounts/import``): the request a worker runs and the answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from service.common.addresses import MinQuality
from service.common.schemas import ApiModel, Ident, Loc

#: CRM export formats (``auto`` reads the header).
CrmFormatName = Literal["auto", "salesforce", "hubspot", "zoho", "generic"]


class ImportRequest(ApiModel):
    """A CRM export to read (the CSV body of the import endpoint, or a job's request)."""

    csv: str = Field(min_length=1, description="The CSV file's text.")
    format: CrmFormatName = "auto"
    mapping: dict[str, str] | None = Field(
        default=None,
        description="For format 'generic': account field (id, name, street, city, postcode, "
        "country, lat, lon, owner, revenue) -> column name.",
    )
    min_quality: MinQuality = "street"
    network: Ident | None = Field(
        default=None, description="Network whose addresses place the rows (offline geocoder)."
    )
    encoding: str | None = Field(
        default=None, description="Encoding the file came in (reported back; set by the endpoint)."
    )


class ImportedAccount(ApiModel):
    """An account, ready for ``POST /v1/territories`` (ids are the CRM ids)."""

    id: str
    name: str | None = None
    location: Loc
    address: str | None = None
    current_rep: str | None = Field(default=None, description="The CRM owner.")
    revenue: float | None = None


class RowOut(BaseModel):
    """What became of one input row."""

    row: int = Field(description="Position among the data rows, 1-based.")
    line: int = Field(description="Line of the file the row starts on.")
    crm_id: str | None
    status: Literal["ok", "geocoded", "rejected"]
    quality: str | None = Field(default=None, description="Geocoding quality (or 'file').")
    code: str | None = Field(
        default=None,
        description="BAD_FIELD_COUNT | MISSING_ID | DUPLICATE_ID | BAD_VALUE | NO_ADDRESS | "
        "NOT_GEOCODED.",
    )
    reason: str | None = None


class ImportResponse(BaseModel):
    """The accounts read, and one report entry per input row (every row exactly once)."""

    format: str
    encoding: str
    delimiter: str
    counts: dict[str, int] = Field(description="Rows per status: ok, geocoded, rejected.")
    accounts: list[ImportedAccount]
    report: list[RowOut]
