"""CRM exports in every format and encoding, broken rows included: each row reported once."""

import csv
import io

import pytest

from solver.crm import import_accounts, parse_number
from solver.errors import InvalidProblemError
from solver.geocode import AddressQuery, GeocodeResult, MatchedAddress
from solver.model import Location

SALESFORCE_HEADER = (
    "Id,Name,BillingStreet,BillingCity,BillingPostalCode,BillingCountry,"
    "BillingLatitude,BillingLongitude,OwnerId,AnnualRevenue"
)


class FakeGeocoder:
    """Places 'Known Street <n>' at a fixed point per number; nothing else."""

    def __init__(self):
        self.asked: list[AddressQuery] = []

    def lookup(self, query: AddressQuery) -> GeocodeResult:
        self.asked.append(query)
        if query.street and query.street.startswith("Known Street"):
            return GeocodeResult(
                query=query,
                quality="address",
                score=1.0,
                location=Location(lat=43.73, lon=7.42),
                matched=MatchedAddress(street="Known Street"),
            )
        if query.street and query.street.startswith("Vague"):
            return GeocodeResult(
                query=query, quality="city", score=0.9, location=Location(lat=43.7, lon=7.4)
            )
        return GeocodeResult(query=query, quality="none", score=0.0, reason="no match")


def _assert_each_row_once(result, expected_rows):
    assert [r.row for r in result.report] == list(range(1, expected_rows + 1))
    placed = [r.crm_id for r in result.report if r.status in ("ok", "geocoded")]
    assert placed == [a.id for a in result.accounts]
    for entry in result.report:
        assert (entry.status == "rejected") == (entry.code is not None)
        if entry.status == "rejected":
            assert entry.reason.startswith(f"Line {entry.line}:")


def test_salesforce_with_bom_quoted_newlines_blank_lines_and_broken_rows():
    text = (
        SALESFORCE_HEADER + "\r\n"
        '001A,Acme,"Known Street 4\nBuilding B",Monaco,98000,Monaco,,,005X,"1,250,000.50"\r\n'
        "\r\n"
        "001B,Beta,,,,,43.74,7.43,005Y,\r\n"
        "001C,Gamma,Known Street 9,Monaco\r\n"  # too few fields
        ",NoId,Known Street 1,Monaco,98000,MC,,,005X,\r\n"
        "001A,Dup,Known Street 2,Monaco,98000,MC,,,005X,\r\n"
        "001D,Delta,Unknown Road 3,Monaco,98000,MC,,,005Y,\r\n"
        "001E,Eps,Known Street 5,Monaco,98000,MC,,,005Y,lots\r\n"
        "001F,Zeta,,,,,,,005Y,\r\n"
        "001G,Eta,Vague 1,Monaco,,,,,005Y,\r\n"
        "001H,Theta,,,,,95.0,7.4,005Y,\r\n"
    )
    geocoder = FakeGeocoder()
    result = import_accounts(b"\xef\xbb\xbf" + text.encode(), geocoder=geocoder)
    assert (result.format, result.encoding, result.delimiter) == ("salesforce", "utf-8-sig", ",")
    _assert_each_row_once(result, 10)
    by_id = {a.id: a for a in result.accounts}
    assert set(by_id) == {"001A", "001B"}
    assert by_id["001A"].revenue == 1_250_000.5 and by_id["001A"].current_rep == "005X"
    assert by_id["001A"].quality == "address" and by_id["001B"].quality == "file"
    assert (by_id["001B"].location.lat, by_id["001B"].location.lon) == (43.74, 7.43)
    codes = [(r.line, r.crm_id, r.status, r.code) for r in result.report]
    assert codes == [
        (2, "001A", "geocoded", None),
        (5, "001B", "ok", None),  # line 3 is the quoted newline, line 4 is blank
        (6, "001C", "rejected", "BAD_FIELD_COUNT"),
        (7, None, "rejected", "MISSING_ID"),
        (8, "001A", "rejected", "DUPLICATE_ID"),
        (9, "001D", "rejected", "NOT_GEOCODED"),
        (10, "001E", "rejected", "BAD_VALUE"),
        (11, "001F", "rejected", "NO_ADDRESS"),
        (12, "001G", "rejected", "NOT_GEOCODED"),
        (13, "001H", "rejected", "BAD_VALUE"),
    ]
    assert "line 2" in result.report[4].reason  # the duplicate names the first one
    assert "below min_quality 'street'" in result.report[8].reason
    assert geocoder.asked[0].street.startswith("Known Street 4")


def test_hubspot_windows_1252_semicolons_and_decimal_commas():
    text = (
        "Record ID;Company name;Street Address;City;Postal Code;Country/Region;"
        "Company owner;Annual Revenue\n"
        "9001;Café Müller;Known Street 7;Zürich;8001;Schweiz;Zoë Dupré;1.250.000,50\n"
        "9002;Société Générale;Known Street 8;Genève;1204;Suisse;Zoë Dupré;12,5\n"
    )
    result = import_accounts(text.encode("cp1252"), geocoder=FakeGeocoder())
    assert (result.format, result.encoding, result.delimiter) == ("hubspot", "cp1252", ";")
    _assert_each_row_once(result, 2)
    first, second = result.accounts
    assert first.name == "Café Müller" and first.current_rep == "Zoë Dupré"
    assert first.revenue == 1_250_000.5 and second.revenue == 12.5
    assert second.address == "Known Street 8, 1204 Genève, Suisse"


def test_zoho_utf8_without_bom():
    text = (
        "Record Id,Account Name,Billing Street,Billing City,Billing Code,Billing Country,"
        "Account Owner,Annual Revenue\n"
        "zcrm_1,Ørsted,Known Street 1,København,2200,Danmark,Åse,\n"
        "zcrm_2,Nowhere,Mystery Lane 2,Oslo,0150,Norge,Åse,100\n"
    )
    result = import_accounts(text.encode(), geocoder=FakeGeocoder())
    assert (result.format, result.encoding) == ("zoho", "utf-8")
    _assert_each_row_once(result, 2)
    assert [r.status for r in result.report] == ["geocoded", "rejected"]
    assert result.accounts[0].name == "Ørsted" and result.accounts[0].revenue is None


def test_generic_with_a_column_mapping_and_pipes(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Konto|Firma|Breite|Länge|Betreuer\nK1|A|47.1|9.5|R1\nK2|B|x|9.5|R1\n")
    mapping = {"id": "Konto", "name": "Firma", "lat": "Breite", "lon": "Länge", "owner": "Betreuer"}
    result = import_accounts(path, mapping=mapping)
    assert (result.format, result.delimiter) == ("generic", "|")
    _assert_each_row_once(result, 2)
    assert [r.code for r in result.report] == [None, "BAD_VALUE"]
    with pytest.raises(InvalidProblemError, match="'Kunde'"):
        import_accounts(path, mapping={"id": "Kunde"})
    with pytest.raises(InvalidProblemError, match="needs a column mapping"):
        import_accounts(path, format="generic")


def test_without_a_geocoder_address_rows_are_rejected_not_dropped():
    text = SALESFORCE_HEADER + "\n001A,Acme,Known Street 4,Monaco,98000,MC,,,005X,\n"
    result = import_accounts(text)
    assert result.accounts == ()
    assert [(r.crm_id, r.code) for r in result.report] == [("001A", "NOT_GEOCODED")]


@pytest.mark.parametrize(
    ("data", "message", "field"),
    [
        (SALESFORCE_HEADER + '\n001A,"Acme,Known,,,,,,,\n', "CSV line 2", "line 2"),
        ("Kunde,Ort\nA,B\n", "not a Salesforce, HubSpot or Zoho", "line 1"),
        ("\n\n", "is empty", "file"),
        ("Id,Name\n", None, None),
    ],
)
def test_unreadable_files_name_the_line_and_why(data, message, field):
    if message is None:  # a header and no rows: nothing to report, no error
        result = import_accounts(data)
        assert result.report == () and result.format == "salesforce"
        return
    with pytest.raises(InvalidProblemError) as error:
        import_accounts(data.encode())
    assert message in str(error.value) and error.value.field == field


def test_unknown_format_and_quality_are_rejected():
    with pytest.raises(InvalidProblemError, match="format 'pipedrive'"):
        import_accounts("Id,Name\n1,A\n", format="pipedrive")
    with pytest.raises(InvalidProblemError, match="min_quality"):
        import_accounts("Id,Name\n1,A\n", min_quality="exact")


@pytest.mark.parametrize(
    ("text", "comma", "value"),
    [
        ("1,250,000.50", False, 1_250_000.5),
        ("1.250.000,50", True, 1_250_000.5),
        ("€ 12 500", False, 12_500.0),
        ("43,74", True, 43.74),
        ("-7.5", False, -7.5),
        ("$1,200", False, 1200.0),
    ],
)
def test_numbers_as_spreadsheets_write_them(text, comma, value):
    assert parse_number(text, decimal_comma=comma) == value


def test_report_rows_can_be_written_back_as_csv():
    text = SALESFORCE_HEADER + "\n001B,Beta,,,,,43.74,7.43,005Y,\n,x,,,,,,,,\n"
    result = import_accounts(text)
    out = io.StringIO()
    writer = csv.writer(out)
    for entry in result.report:
        writer.writerow([entry.row, entry.line, entry.crm_id or "", entry.status, entry.code or ""])
    assert out.getvalue().splitlines() == ["1,2,001B,ok,", "2,3,,rejected,MISSING_ID"]


def test_excel_sep_hint_and_utf16_unicode_text_export():
    text = (
        "sep=;\nId;Name;BillingLatitude;BillingLongitude;OwnerId\n001A;Ärzte AG;43,74;7,43;005X\n"
    )
    result = import_accounts(text.encode("utf-8"))
    assert (result.format, result.delimiter) == ("salesforce", ";")
    assert [(r.line, r.status) for r in result.report] == [(3, "ok")]
    assert result.accounts[0].location.lat == 43.74
    tabbed = "Id\tName\tBillingLatitude\tBillingLongitude\n001B\tÆble\t43.7\t7.4\n"
    result = import_accounts(tabbed.encode("utf-16"))  # Excel "Unicode Text": BOM + tabs
    assert result.delimiter == "\t" and result.accounts[0].name == "Æble"
