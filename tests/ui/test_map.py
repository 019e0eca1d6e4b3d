"""The map page in headless Chromium: a real day plan and a real territory plan are drawn.

Screenshots are saved under ``test-artifacts/`` (gitignored) for a person to look at.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.ui.conftest import (
    ARTIFACTS_DIR,
    AT_SEA,
    BROWSER_MARKS,
    EARLY_BIRD,
    MARKUP_NAME,
    LiveService,
    chromium,
)

pytestmark = BROWSER_MARKS

WIDTH, HEIGHT = 1280, 800


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(WIDTH, HEIGHT) as driver:
        yield driver


def wait_until_drawn(driver: Any, kind: str) -> None:
    """Wait until the page says the plan is drawn (or fail with the page's status line)."""
    from selenium.webdriver.support.ui import WebDriverWait

    def settled(d: Any) -> bool:
        return d.find_element("tag name", "body").get_attribute("data-state") in ("ready", "error")

    WebDriverWait(driver, 60).until(settled)
    status = driver.find_element("id", "status").text
    assert driver.find_element("tag name", "body").get_attribute("data-state") == "ready", status
    assert driver.find_element("tag name", "body").get_attribute("data-kind") == kind


def roads_drawn(driver: Any) -> bool:
    return bool(driver.execute_script("return document.querySelectorAll('canvas').length > 0"))


def save_screenshot(driver: Any, name: str) -> np.ndarray:
    """Save a PNG under test-artifacts/ and return it as an RGB array."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    png = driver.get_screenshot_as_png()
    path = ARTIFACTS_DIR / name
    path.write_bytes(png)
    print(f"screenshot: {path}")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def map_pixels(image: np.ndarray, driver: Any) -> np.ndarray:
    """The part of the screenshot showing the map (right of the side panel)."""
    left = int(driver.execute_script("return document.getElementById('map').offsetLeft"))
    return image[:, left:, :]


def assert_not_blank(pixels: np.ndarray) -> None:
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 50, f"only {len(colours)} colours: the map looks blank"
    non_white = np.any(pixels < 235, axis=2).mean()
    assert non_white > 0.02, f"only {non_white:.1%} of the map is drawn on"


def test_map_draws_day_plan_job_with_numbered_stops_routes_and_unassigned(
    browser: Any, live_service: LiveService, day_plan_job: dict[str, Any]
) -> None:
    result = day_plan_job["result"]
    visits = sum(route["totals"]["visits"] for route in result["routes"])
    routes_with_visits = sum(1 for route in result["routes"] if route["totals"]["visits"])
    assert visits >= 6  # the fixture plans a real day, not an empty one
    assert [u["account_id"] for u in result["unassigned"]] == [EARLY_BIRD]

    browser.get(f"{live_service.url}/map?job={day_plan_job['id']}")
    wait_until_drawn(browser, "day-plan")

    stops = browser.find_elements("css selector", ".fr-stop")
    assert len(stops) == visits
    # numbered 1..n per rep, in visiting order
    numbers = sorted(int(stop.text) for stop in stops)
    expected = sorted(
        n for route in result["routes"] for n in range(1, route["totals"]["visits"] + 1)
    )
    assert numbers == expected
    assert len(browser.find_elements("css selector", "path.fr-route")) == routes_with_visits
    assert len(browser.find_elements("css selector", ".fr-unassigned")) == 1
    assert EARLY_BIRD in browser.find_element("id", "details").text
    assert "[object" not in browser.find_element("id", "panel").text
    # each rep's own calendar is one click away
    rep_calendars = browser.find_elements("css selector", "span.rep-ics a")
    assert [a.get_attribute("href").rsplit("rep_id=", 1)[1] for a in rep_calendars] == [
        route["rep_id"] for route in result["routes"]
    ]
    assert "NO_FEASIBLE_WINDOW" in browser.find_element("id", "details").text
    assert roads_drawn(browser)
    assert_not_blank(map_pixels(save_screenshot(browser, "map-day-plan.png"), browser))

    # a stop's popup shows its times
    first_route = next(route for route in result["routes"] if route["totals"]["visits"])
    first_visit = next(stop for stop in first_route["stops"] if stop["type"] == "visit")
    marker = next(
        s for s in stops if s.text == "1" and s.get_attribute("data-rep") == first_route["rep_id"]
    )
    browser.execute_script("arguments[0].click()", marker)
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    def popup_text(d: Any) -> str | bool:
        # the popup opens after the click is handled: wait for its content, not a moment
        found = d.find_elements("css selector", ".leaflet-popup-content")
        text = found[0].text if found else ""
        return text if first_visit["arrival"] in text else False

    popup = WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        popup_text
    )
    assert first_visit["arrival"] in popup and first_visit["departure"] in popup
    assert f"from {first_visit['drive_start']}" in popup  # the leg's drive, when driven

    # idle time, each rep's day end and money with its currency are in the panel
    summary = browser.find_element("id", "summary").text
    assert "Idle (waiting)" in summary and "Drive share" not in summary
    assert max(route["day_end"] for route in result["routes"]) in summary
    assert f"{result['summary']['cost']:.2f} {result['currency']}" in summary
    details = browser.find_element("id", "details").text
    assert all(route["day_end"] in details for route in result["routes"])


def test_map_draws_territory_job_with_polygons_accounts_and_kpis(
    browser: Any, live_service: LiveService, territory_job: dict[str, Any]
) -> None:
    result = territory_job["result"]
    with_accounts = [t for t in result["territories"] if t["accounts"]]
    assert len(with_accounts) == 3

    browser.get(f"{live_service.url}/map?job={territory_job['id']}")
    wait_until_drawn(browser, "territories")

    polygons = browser.find_elements("css selector", "path.fr-territory")
    assert len(polygons) == sum(1 for t in with_accounts if t["polygon"])
    assert len(polygons) == len(with_accounts)
    accounts = browser.find_elements("css selector", "path.fr-account")
    assert len(accounts) == len(result["assignment"]) == 30
    # accounts take their rep's colour: as many fill colours as reps
    fills = {a.get_attribute("fill") for a in accounts}
    assert len(fills) == len(with_accounts)
    assert [u["account_id"] for u in result["unassigned"]] == [AT_SEA]
    assert len(browser.find_elements("css selector", "path.fr-unassigned")) == 1
    panel = browser.find_element("id", "details").text
    for territory in with_accounts:
        assert territory["rep_id"] in panel
    assert "Unassigned (1)" in panel and AT_SEA in panel
    assert "[object" not in panel  # every element rendered as an element, not as text
    assert roads_drawn(browser)

    assert_not_blank(map_pixels(save_screenshot(browser, "map-territories.png"), browser))


def test_map_draws_pasted_day_plan_response(
    browser: Any, live_service: LiveService, day_plan_job: dict[str, Any]
) -> None:
    browser.get(f"{live_service.url}/map")
    browser.find_element("css selector", "#paste summary").click()
    textarea = browser.find_element("id", "plan-json")
    # set the value directly: typing a long JSON key by key is slow
    browser.execute_script(
        "arguments[0].value = arguments[1]", textarea, json.dumps(day_plan_job["result"])
    )
    browser.find_element("id", "show-json").click()
    wait_until_drawn(browser, "day-plan")
    visits = sum(route["totals"]["visits"] for route in day_plan_job["result"]["routes"])
    assert len(browser.find_elements("css selector", ".fr-stop")) == visits
    assert "Pasted day-plan" in browser.find_element("id", "status").text


def test_map_reports_json_that_is_not_a_plan(browser: Any, live_service: LiveService) -> None:
    browser.get(f"{live_service.url}/map")
    browser.find_element("css selector", "#paste summary").click()
    browser.execute_script(
        "arguments[0].value = arguments[1]",
        browser.find_element("id", "plan-json"),
        '{"hello": "world"}',
    )
    browser.find_element("id", "show-json").click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(
        lambda d: d.find_element("tag name", "body").get_attribute("data-state") == "error"
    )
    assert (
        "neither a day plan, a visit schedule nor a territory plan"
        in browser.find_element("id", "status").text
    )


def test_map_says_when_a_plan_has_no_coordinates(browser: Any, live_service: LiveService) -> None:
    import httpx

    matrix_plan = httpx.post(
        f"{live_service.url}/v1/day-plans",
        json={
            "date": "2026-12-01",
            "reps": [
                {"id": "r1", "start": {"index": 0}, "shift": {"start": "08:00", "end": "17:00"}}
            ],
            "accounts": [{"id": "A1", "location": {"index": 1}, "visit_duration_s": 600}],
            "matrix": {"durations_s": [[0, 600], [600, 0]], "distances_m": [[0, 5000], [5000, 0]]},
            "options": {"time_limit_s": 0.5},
        },
        timeout=60,
    )
    assert matrix_plan.status_code == 200, matrix_plan.text
    browser.get(f"{live_service.url}/map")
    browser.find_element("css selector", "#paste summary").click()
    browser.execute_script(
        "arguments[0].value = arguments[1]",
        browser.find_element("id", "plan-json"),
        matrix_plan.text,
    )
    browser.find_element("id", "show-json").click()
    wait_until_drawn(browser, "day-plan")
    assert "nothing to draw" in browser.find_element("id", "status").text
    assert browser.find_elements("css selector", ".fr-stop") == []
    assert "Visits" in browser.find_element("id", "summary").text


def test_map_shows_a_visit_schedule_day_by_day_with_a_date_picker(
    browser: Any, live_service: LiveService, schedule_job: dict[str, Any]
) -> None:
    from selenium.webdriver.support.ui import Select, WebDriverWait

    result = schedule_job["result"]
    per_day = {
        day["date"]: sum(route["totals"]["visits"] for route in day["routes"])
        for day in result["days"]
    }
    assert sum(per_day.values()) == result["summary"]["visits_planned"] >= 10

    browser.get(f"{live_service.url}/map?job={schedule_job['id']}")
    wait_until_drawn(browser, "visit-schedule")
    picker = Select(browser.find_element("id", "schedule-date"))
    assert [o.get_attribute("value") for o in picker.options] == list(per_day)
    body = browser.find_element("tag name", "body")
    for date in reversed(list(per_day)):  # switch through every date
        picker.select_by_value(date)
        WebDriverWait(browser, 10).until(
            lambda d, date=date: body.get_attribute("data-date") == date
        )
        assert len(browser.find_elements("css selector", ".fr-stop")) == per_day[date]
        assert date in browser.find_element("id", "summary").text
    browser.find_element("id", "schedule-next").click()
    second = list(per_day)[1]
    WebDriverWait(browser, 10).until(lambda d: body.get_attribute("data-date") == second)
    assert len(browser.find_elements("css selector", ".fr-stop")) == per_day[second]
    # a request string is only ever text: the markup name shows, nothing runs
    stop_titles = [
        s.get_attribute("title") for s in browser.find_elements("css selector", ".fr-stop")
    ]
    panel = browser.find_element("id", "panel").text
    assert "Per rep and week" in panel and "[object" not in panel
    assert body.get_attribute("data-owned") is None
    assert all("<img" not in (t or "") or MARKUP_NAME in t for t in stop_titles)
    assert browser.find_elements("css selector", "#details img") == []
    # the screenshot shows the busiest day: under load the solve may leave a day empty
    busiest = max(per_day, key=per_day.__getitem__)
    picker.select_by_value(busiest)
    WebDriverWait(browser, 10).until(lambda d: body.get_attribute("data-date") == busiest)
    # the canvas redraws on the next animation frame: let two pass before the screenshot
    browser.execute_async_script(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done));"
    )
    assert_not_blank(map_pixels(save_screenshot(browser, "map-visit-schedule.png"), browser))
