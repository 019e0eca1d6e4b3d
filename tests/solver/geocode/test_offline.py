"""The offline geocoder on a hand-written OSM town: what each kind of query finds."""

import math

import pytest

from solver.errors import InvalidProblemError, NetworkNotFoundError
from solver.geocode import AddressQuery, geocode, load_address_index
from solver.roads import build_network
from tests.solver.geocode.osm_town import NODES, point, write_town


def _distance_m(location, lat, lon) -> float:
    dlat = math.radians(location.lat - lat)
    dlon = math.radians(location.lon - lon) * math.cos(math.radians(lat))
    return 6_371_000 * math.hypot(dlat, dlon)


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    folder = tmp_path_factory.mktemp("town")
    build_network(write_town(folder / "town.osm"), name="town", networks_dir=folder)
    return load_address_index("town", networks_dir=folder)


def _one(index, query, **options):
    (result,) = geocode([query], index=index, **options)
    return result


def _assert_at(result, node, quality="address", tolerance_m=1.0):
    assert result.placed, result.reason
    assert result.quality == quality
    assert _distance_m(result.location, *point(node)) <= tolerance_m


def test_build_network_saves_an_index_of_nodes_ways_relations_and_streets(town):
    a = town.columns.addresses
    found = set(zip(a["street"], a["housenumber"], strict=True))
    assert ("Rue Grimaldi", "7") in found  # building way
    assert ("Rue Grimaldi", "9") in found  # multipolygon relation
    assert ("Nørrebrogade", "12") in found  # node
    assert "Lindenweg" in town.columns.streets["name"]
    assert "Fussweg" not in town.columns.streets["name"]  # not drivable
    assert town.columns.interpolations["first"] == [1]


def test_exact_address_is_placed_on_the_object(town):
    result = _one(town, "Nørrebrogade 12, 2200 København")
    _assert_at(result, 10)
    assert result.score == 1.0
    assert result.matched.label() == "Nørrebrogade 12, 2200 København"


def test_building_way_and_relation_are_placed_at_their_centre(town):
    building = _one(town, AddressQuery(street="Rue Grimaldi", housenumber="7", city="Monaco"))
    lat = sum(point(n)[0] for n in (20, 21, 22, 23)) / 4
    lon = sum(point(n)[1] for n in (20, 21, 22, 23)) / 4
    assert building.quality == "address" and _distance_m(building.location, lat, lon) < 1
    relation = _one(town, "9 Rue Grimaldi, 98000 Monaco")
    lat = sum(point(n)[0] for n in (24, 25, 26, 27)) / 4
    lon = sum(point(n)[1] for n in (24, 25, 26, 27)) / 4
    assert relation.quality == "address" and _distance_m(relation.location, lat, lon) < 1


@pytest.mark.parametrize(
    "query",
    [
        "NØRREBROGADE 12, 2200 KØBENHAVN",
        "norrebrogade 12 kobenhavn",
        "Noerrebrogade 12, Kobenhavn",
        AddressQuery(street="Norrebrogade 12", city="Kobenhavn"),
    ],
)
def test_case_and_accents_do_not_matter(town, query):
    _assert_at(_one(town, query), 10)


@pytest.mark.parametrize("query", ["Nørrebrogdae 14, København", "Nrrebrogade 14, 2200"])
def test_one_or_two_typos_still_find_the_address(town, query):
    result = _one(town, query)
    _assert_at(result, 11)
    assert result.score < 1.0


def test_abbreviated_street_type_and_postcode_pick_the_right_town(town):
    _assert_at(_one(town, "Hauptstr. 5, 9495 Triesen"), 13)
    _assert_at(_one(town, AddressQuery(street="Hauptstr.", housenumber="5", city="Vaduz")), 12)
    _assert_at(_one(town, "R. Grimaldi 7, Monaco"), 20, tolerance_m=20)


def test_wrong_postcode_still_places_the_address_with_a_lower_score(town):
    result = _one(
        town, AddressQuery(street="Hauptstrasse", housenumber="5", postcode="9495", city="Vaduz")
    )
    # postcode says Triesen, city says Vaduz: a tie between two towns 2 km apart
    assert not result.placed and "ambiguous" in result.reason
    wrong = _one(
        town,
        AddressQuery(street="Nørrebrogade", housenumber="12", postcode="9999", city="København"),
    )
    _assert_at(wrong, 10)
    missing = _one(town, "Nørrebrogade 12")
    _assert_at(missing, 10)


def test_same_street_and_number_in_two_towns_is_never_a_silent_guess(town):
    result = _one(town, "Hauptstrasse 5")
    assert not result.placed and result.location is None
    assert result.quality == "none" and "ambiguous" in result.reason


def test_interpolation_line_places_a_number_between_its_ends(town):
    result = _one(town, "Triq il-Kbira 5, MST 1000 Mosta")
    assert result.quality == "interpolated" and result.placed
    lat = (point(50)[0] + point(51)[0]) / 2
    lon = (point(50)[1] + point(51)[1]) / 2
    assert _distance_m(result.location, lat, lon) < 5
    even = _one(town, "Triq il-Kbira 4, Mosta")  # odd line: 4 is not on it
    assert even.quality == "street"


def test_unknown_number_falls_back_to_the_street(town):
    result = _one(town, "Lindenweg 3")
    assert result.quality == "street" and result.placed
    assert result.matched.street == "Lindenweg" and result.matched.housenumber is None
    assert result.location.lat == pytest.approx(point(3)[0]) or result.location.lat == (
        pytest.approx(point(4)[0])
    )


def test_below_min_quality_is_not_placed(town):
    result = _one(town, "Lindenweg 3", min_quality="address")
    assert result.quality == "street" and not result.placed and result.location is None
    assert "below min_quality 'address'" in result.reason
    postcode = _one(town, "2200")
    assert postcode.quality == "postcode" and not postcode.placed
    placed = _one(town, "2200", min_quality="postcode")
    assert placed.placed and _distance_m(placed.location, *point(10)) < 100
    city = _one(town, "Lindau am Weg", min_quality="city")
    assert city.quality == "city" and _distance_m(city.location, *point(60)) < 1


def test_an_address_outside_the_index_is_not_placed(town):
    result = _one(town, "Hauptstrasse 5, 10115 Berlin")
    assert result.quality == "none" and not result.placed
    assert "Berlin" in result.reason


def test_bad_queries_and_options_are_rejected_naming_the_field():
    with pytest.raises(InvalidProblemError) as error:
        geocode([{"street": "A", "floor": 3}], index=None)
    assert error.value.field == "queries[0]"
    with pytest.raises(InvalidProblemError):
        AddressQuery(text="x", street="y")
    with pytest.raises(InvalidProblemError):
        AddressQuery()
    with pytest.raises(InvalidProblemError) as error:
        geocode(["x"], index=None, min_quality="house")
    assert error.value.field == "min_quality"


def test_network_built_without_addresses_says_to_rebuild(tmp_path):
    build_network(
        write_town(tmp_path / "t.osm"), name="bare", networks_dir=tmp_path, addresses=False
    )
    with pytest.raises(NetworkNotFoundError, match="rebuild it"):
        load_address_index("bare", networks_dir=tmp_path)
    with pytest.raises(NetworkNotFoundError, match="not found"):
        load_address_index("nowhere", networks_dir=tmp_path)


def test_index_is_loaded_once_per_process(town, tmp_path):
    build_network(write_town(tmp_path / "t.osm"), name="again", networks_dir=tmp_path)
    first = load_address_index("again", networks_dir=tmp_path)
    assert load_address_index("again", networks_dir=tmp_path) is first
    assert len(NODES) > 0


def test_a_loose_street_match_needs_its_postcode_or_city_to_agree(town):
    alone = _one(town, "Nrbrgde 14")  # five letters off: too far on its own
    assert alone.quality == "none" and not alone.placed
    confirmed = _one(town, "Nrbrgde 14, 2200 København")
    _assert_at(confirmed, 11)
    assert confirmed.score < 0.8
