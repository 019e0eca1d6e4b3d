"""The offline geocoder on the shipped Monaco extract (index built with the network)."""

import math

import pytest

from solver.geocode import AddressQuery, geocode, load_address_index


def _distance_m(location, lat, lon) -> float:
    dlat = math.radians(location.lat - lat)
    dlon = math.radians(location.lon - lon) * math.cos(math.radians(lat))
    return 6_371_000 * math.hypot(dlat, dlon)


@pytest.fixture(scope="module")
def monaco(monaco_network, networks_dir):
    return load_address_index("monaco", networks_dir=networks_dir)


def _truth(index, street, number):
    a = index.columns.addresses
    rows = [
        r
        for r in range(index.address_count)
        if a["street"][r] == street and number in a["housenumber"][r].split(";")
    ]
    assert rows, f"{street} {number} is not in the extract"
    return a["lat"][rows[0]], a["lon"][rows[0]]


@pytest.mark.parametrize(
    ("query", "street", "number"),
    [
        ("Avenue de la Madone 4, 98000 Monaco", "Avenue de la Madone", "4"),
        ("avenue de la madone 4 monaco", "Avenue de la Madone", "4"),
        ("Av. de la Madone 4, Monaco", "Avenue de la Madone", "4"),
        ("Avenue d'Ostnede 12, 98000 Monaco", "Avenue d'Ostende", "12"),
        ("Bd Albert 1er 27, 98000 Monaco", "Boulevard Albert 1er", "27"),
        (
            AddressQuery(street="Avenue de Monte-Carlo", housenumber="9", postcode="98001"),
            "Avenue de Monte-Carlo",
            "9",
        ),
    ],
)
def test_monaco_addresses_are_found_as_written_by_people(monaco, query, street, number):
    (result,) = geocode([query], index=monaco)
    assert result.placed and result.quality == "address"
    assert _distance_m(result.location, *_truth(monaco, street, number)) < 1


def test_monaco_street_without_number_and_unknown_street(monaco):
    street, unknown = geocode(
        ["Boulevard des Moulins, Monaco", "Rue Inexistante 4, Monaco"], index=monaco
    )
    assert street.quality == "street" and street.placed
    assert _distance_m(street.location, *_truth(monaco, "Boulevard des Moulins", "4")) < 1500
    assert unknown.quality == "city" and not unknown.placed and unknown.location is None
