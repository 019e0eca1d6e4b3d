"""Round trip on Monaco: a Salesforce CSV with addresses and broken rows -> import (offline
geocoding from the network's own extract) -> territories -> rows keyed by Salesforce ids."""

import csv
import io

from solver.crm import import_accounts
from solver.geocode import load_address_index
from solver.model import Location
from solver.territory import (
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
    balance_territories,
    check_territory_plan,
)

ROWS = [
    # Id, Name, BillingStreet, City, PostalCode, Country, Lat, Lon, OwnerId, AnnualRevenue
    (
        "0015g00000AAA01",
        "Madone SA",
        "4 Avenue de la Madone",
        "Monaco",
        "98000",
        "Monaco",
        "",
        "",
        "0055g000001",
        "120000",
    ),
    (
        "0015g00000AAA02",
        "Ostende SAM",
        "Av. d'Ostende 12",
        "Monaco",
        "98000",
        "Monaco",
        "",
        "",
        "0055g000001",
        "80000",
    ),
    (
        "0015g00000AAA03",
        "Albert & Co",
        "Bd Albert 1er 27",
        "monaco",
        "",
        "",
        "",
        "",
        "0055g000002",
        "95000",
    ),
    (
        "0015g00000AAA04",
        "Grace Hotel",
        "Avenue Princesse Grace 17",
        "Monaco",
        "98000",
        "",
        "",
        "",
        "0055g000002",
        "",
    ),
    ("0015g00000AAA05", "Port", "", "", "", "", "43.7353", "7.4230", "0055g000001", "50000"),
    (
        "0015g00000AAA06",
        "Fontvieille",
        "Avenue Albert II 9",
        "Monaco",
        "98000",
        "Monaco",
        "",
        "",
        "0055g000002",
        "70000",
    ),
    (
        "0015g00000AAA07",
        "Visitation",
        "1 Place de la Visitation",
        "Monaco",
        "98000",
        "",
        "",
        "",
        "0055g000001",
        "60000",
    ),
    # broken rows
    (
        "0015g00000AAA08",
        "Abroad",
        "10 Downing Street",
        "London",
        "SW1A 2AA",
        "UK",
        "",
        "",
        "0055g000001",
        "",
    ),
    (
        "0015g00000AAA01",
        "Duplicate",
        "4 Avenue de la Madone",
        "Monaco",
        "",
        "",
        "",
        "",
        "0055g000002",
        "",
    ),
    ("0015g00000AAA09", "No address", "", "", "", "", "", "", "0055g000002", ""),
    (
        "0015g00000AAA10",
        "Bad revenue",
        "Quai Louis II 1",
        "Monaco",
        "",
        "",
        "",
        "",
        "0055g000002",
        "n/a",
    ),
]
HEADER = (
    "Id,Name,BillingStreet,BillingCity,BillingPostalCode,BillingCountry,"
    "BillingLatitude,BillingLongitude,OwnerId,AnnualRevenue"
)


def _salesforce_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER.split(","))
    writer.writerows(ROWS)
    writer.writerow(["0015g00000AAA11", "Short row"])
    return out.getvalue().encode("utf-8-sig")


def test_salesforce_csv_to_territories_keyed_by_salesforce_ids(monaco_network, networks_dir):
    index = load_address_index("monaco", networks_dir=networks_dir)
    imported = import_accounts(_salesforce_csv(), geocoder=index)
    assert imported.format == "salesforce"
    # every input row exactly once, in order
    assert [r.row for r in imported.report] == list(range(1, len(ROWS) + 2))
    status = {(r.crm_id, r.line): (r.status, r.code) for r in imported.report}
    assert status[("0015g00000AAA05", 6)] == ("ok", None)
    assert status[("0015g00000AAA08", 9)] == ("rejected", "NOT_GEOCODED")
    assert status[("0015g00000AAA01", 10)] == ("rejected", "DUPLICATE_ID")
    assert status[("0015g00000AAA09", 11)] == ("rejected", "NO_ADDRESS")
    assert status[("0015g00000AAA10", 12)] == ("rejected", "BAD_VALUE")
    assert status[("0015g00000AAA11", 13)] == ("rejected", "BAD_FIELD_COUNT")
    geocoded = [r for r in imported.report if r.status == "geocoded"]
    assert len(geocoded) == 6 and {r.quality for r in geocoded} == {"address"}

    accounts = [
        TerritoryAccount(id=a.id, location=a.location, revenue=a.revenue, current_rep=a.current_rep)
        for a in imported.accounts
    ]
    reps = [
        TerritoryRep(id="0055g000001", home=Location(lat=43.7390, lon=7.4270)),
        TerritoryRep(id="0055g000002", home=Location(lat=43.7300, lon=7.4170)),
    ]
    options = TerritoryOptions(time_limit_s=5, seed=0)
    plan = balance_territories(reps, accounts, network=monaco_network, options=options)
    assert check_territory_plan(reps, accounts, plan, options) == []

    # back to the CRM: one row per imported account, keyed by its Salesforce id
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Id", "OwnerId", "PreviousOwnerId"])
    for account in imported.accounts:
        writer.writerow([account.id, plan.assignment[account.id], account.current_rep])
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    exported = {row["Id"] for row in rows}
    rejected = {(r.crm_id, r.line) for r in imported.report if r.status == "rejected"}
    assert exported == {a.id for a in imported.accounts} == set(plan.assignment)
    assert len(exported) + len(rejected) == len(ROWS) + 1  # every row accounted for
    assert {row["OwnerId"] for row in rows} <= {"0055g000001", "0055g000002"}
