"""The Nominatim adapter against a recorded response (no network: a fake geopy adapter)."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from geopy.adapters import BaseSyncAdapter

from solver.errors import InvalidProblemError
from solver.geocode import AddressQuery, Geocoder, NominatimGeocoder, geocode, nominatim_quality

# recorded from a Nominatim 4.x server: /search?q=...&format=json&addressdetails=1&limit=1
RECORDED = json.loads("""
[{"place_id": 112233, "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
  "osm_type": "node", "osm_id": 4451207590, "lat": "43.7409352", "lon": "7.4279184",
  "class": "place", "type": "house", "place_rank": 30, "importance": 0.00000999,
  "addresstype": "place", "name": "",
  "display_name": "4, Avenue de la Madone, Monte-Carlo, Monaco, 98000, Monaco",
  "address": {"house_number": "4", "road": "Avenue de la Madone", "suburb": "Monte-Carlo",
              "city": "Monaco", "postcode": "98000", "country": "Monaco",
              "country_code": "mc"},
  "boundingbox": ["43.7408852", "43.7409852", "7.4278684", "7.4279684"]}]
""")


class RecordedAdapter(BaseSyncAdapter):
    """Serves the recorded payload and remembers the URLs asked."""

    urls: list[str] = []

    def get_json(self, url, *, timeout, headers):
        RecordedAdapter.urls.append(url)
        return RECORDED if "Madone" in url else []

    def get_text(self, url, *, timeout, headers):
        return json.dumps(self.get_json(url, timeout=timeout, headers=headers))


@pytest.fixture
def nominatim():
    RecordedAdapter.urls = []
    return NominatimGeocoder(
        "https://nominatim.example.org/", min_delay_s=0, adapter_factory=RecordedAdapter
    )


def test_nominatim_answer_is_mapped_to_an_address_on_the_organisations_server(nominatim):
    assert isinstance(nominatim, Geocoder)
    found, missing = geocode(["4 Avenue de la Madone, Monaco", "Nowhere 1"], index=nominatim)
    assert found.placed and found.quality == "address"
    assert (found.location.lat, found.location.lon) == (43.7409352, 7.4279184)
    assert found.matched.street == "Avenue de la Madone" and found.matched.postcode == "98000"
    assert missing.quality == "none" and not missing.placed
    url = urlsplit(RecordedAdapter.urls[0])
    assert (url.scheme, url.netloc, url.path) == ("https", "nominatim.example.org", "/search")
    assert parse_qs(url.query)["addressdetails"] == ["1"]


def test_structured_query_is_sent_as_nominatim_fields(nominatim):
    geocode(
        [
            AddressQuery(
                street="Avenue de la Madone", housenumber="4", postcode="98000", city="Monaco"
            )
        ],
        index=nominatim,
    )
    asked = parse_qs(urlsplit(RecordedAdapter.urls[0]).query)
    assert asked["street"] == ["4 Avenue de la Madone"] and asked["postalcode"] == ["98000"]


def test_min_quality_applies_to_nominatim_too(nominatim):
    (result,) = geocode(["4 Avenue de la Madone"], index=nominatim, min_quality="address")
    assert result.placed
    street = {
        **RECORDED[0],
        "class": "highway",
        "type": "residential",
        "addresstype": "road",
        "place_rank": 26,
        "address": {"road": "Avenue de la Madone"},
    }
    assert nominatim_quality(street) == "street"


@pytest.mark.parametrize(
    ("raw", "quality"),
    [
        ({"type": "houses", "place_rank": 30}, "interpolated"),
        ({"addresstype": "postcode", "type": "postcode"}, "postcode"),
        ({"addresstype": "town", "type": "administrative"}, "city"),
        ({"addresstype": "building", "type": "yes"}, "address"),
        ({"addresstype": "country", "type": "administrative", "place_rank": 4}, "none"),
    ],
)
def test_nominatim_types_map_to_qualities(raw, quality):
    assert nominatim_quality(raw) == quality


def test_nominatim_url_must_be_http():
    with pytest.raises(InvalidProblemError, match="http"):
        NominatimGeocoder("ftp://nominatim.example.org")
