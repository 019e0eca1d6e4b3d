"""The map page renders strings from requests as text, under a policy that forbids inline script.

Rep ids, account ids, names and addresses come from CRMs. Plans whose strings are HTML
(``<img src=x onerror=...>``) are drawn in headless Chromium: nothing runs, no element
is made from them, and the strings show as typed. Also: a team whose rep ids share a
prefix (``rep-1``, ``rep-2``) gets distinct home labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service.maps.endpoints import PAGE_CSP
from tests.ui.conftest import (
    BROWSER_MARKS,
    EARLY_BIRD,
    LiveService,
    chromium,
    day_plan_request,
    territory_request,
)

pytestmark = BROWSER_MARKS

#: Strings that run script when a page treats them as HTML.
REP_ID = "<img src=x onerror=window.__pwned=1>"
ACCOUNT_NAME = "<img src=x onerror=window.__pwned=2>"
ADDRESS = "<script>window.__pwned=3</script><b>Main St</b>"
UNASSIGNED_ID = "<svg onload=window.__pwned=4>"
TERRITORY_REP = "<img src=x onerror=window.__pwned=5>"
TERRITORY_ACCOUNT = "<iframe src=javascript:window.top.__pwned=6>"

#: Records every CSP violation, installed before any script of the page runs.
VIOLATION_RECORDER = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium(on_new_document=VIOLATION_RECORDER) as driver:
        yield driver


@pytest.fixture(scope="module")
def hostile_day_plan(live_service: LiveService, monaco_network: Any) -> dict[str, Any]:
    request = day_plan_request(monaco_network)
    request["reps"][0]["id"] = REP_ID
    request["reps"][1]["id"] = "rep-2"
    request["accounts"][0]["name"] = ACCOUNT_NAME
    request["accounts"][0]["address"] = ADDRESS
    for account in request["accounts"]:
        if account["id"] == EARLY_BIRD:
            account["id"] = UNASSIGNED_ID  # always unassigned: listed in the panel
    return live_service.run_job("day-plan", request)


@pytest.fixture(scope="module")
def team_territories(live_service: LiveService, monaco_network: Any) -> dict[str, Any]:
    request = territory_request(monaco_network)
    for rep, rep_id in zip(request["reps"], ("rep-1", "rep-2", TERRITORY_REP), strict=True):
        rep["id"] = rep_id
    request["accounts"][0]["id"] = TERRITORY_ACCOUNT
    return live_service.run_job("territories", request)


def wait_drawn(driver: Any, kind: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    def settled(d: Any) -> bool:
        return d.find_element("tag name", "body").get_attribute("data-state") in ("ready", "error")

    WebDriverWait(driver, 60).until(settled)
    body = driver.find_element("tag name", "body")
    assert body.get_attribute("data-state") == "ready", driver.find_element("id", "status").text
    assert body.get_attribute("data-kind") == kind


def hover_all(driver: Any, selector: str) -> list[str]:
    """Open the tooltip of each element in turn; return the tooltips' text."""
    return driver.execute_script(
        """
        const texts = [];
        for (const path of document.querySelectorAll(arguments[0])) {
          const box = path.getBoundingClientRect();
          const at = {bubbles: true, clientX: box.x + box.width / 2,
                      clientY: box.y + box.height / 2};
          path.dispatchEvent(new MouseEvent("mouseover", at));
          path.dispatchEvent(new MouseEvent("mousemove", at));
          const tips = document.querySelectorAll(".leaflet-tooltip");  // closed ones fade
          texts.push(tips.length ? tips[tips.length - 1].textContent : null);
          path.dispatchEvent(new MouseEvent("mouseout", at));
        }
        return texts;
        """,
        selector,
    )


def click_all(driver: Any, selector: str) -> list[str]:
    """Open the popup of each element in turn; return the popups' text."""
    return driver.execute_script(
        """
        const texts = [];
        for (const marker of document.querySelectorAll(arguments[0])) {
          marker.dispatchEvent(new MouseEvent("click", {bubbles: true}));
          const popups = document.querySelectorAll(".leaflet-popup-content");  // closed ones fade
          texts.push(popups.length ? popups[popups.length - 1].textContent : null);
        }
        return texts;
        """,
        selector,
    )


def assert_nothing_ran(driver: Any) -> None:
    assert driver.execute_script("return window.__pwned") is None
    # no element was made from the strings (with or without the policy)
    made = driver.execute_script(
        "return document.querySelectorAll("
        "'img[src=\"x\"], #panel script, #map script, svg[onload], iframe, [onerror]').length"
    )
    assert made == 0
    # the page itself needs nothing that its policy forbids
    assert driver.execute_script("return window.__violations") == []


def test_map_page_and_its_static_copy_send_a_policy_without_inline_script(
    live_service: LiveService,
) -> None:
    for path in ("/map", "/static/map/map.html"):
        response = httpx.get(f"{live_service.url}{path}", timeout=30)
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert policy == PAGE_CSP
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
        assert directives["object-src"] == "'none'"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "<script>" not in response.text  # every script is a file of the service
    # JSON is no page: no policy needed there
    assert "content-security-policy" not in httpx.get(f"{live_service.url}/health").headers


def test_browser_enforces_the_policy_on_the_map_page(
    browser: Any, live_service: LiveService
) -> None:
    browser.get(f"{live_service.url}/map")
    browser.execute_script(
        "const s = document.createElement('script');"
        "s.textContent = 'window.__inline = 1'; document.body.append(s);"
    )
    assert browser.execute_script("return window.__inline") is None
    violations = browser.execute_script("return window.__violations")
    assert any(v.startswith("script-src") for v in violations)


def test_day_plan_strings_from_the_request_run_nothing_and_show_as_text(
    browser: Any, live_service: LiveService, hostile_day_plan: dict[str, Any]
) -> None:
    browser.get(f"{live_service.url}/map?job={hostile_day_plan['id']}")
    wait_drawn(browser, "day-plan")
    tooltips = hover_all(browser, "path.fr-route")
    popups = click_all(browser, ".fr-stop")
    unassigned = click_all(browser, "path.fr-unassigned")
    assert_nothing_ran(browser)
    panel = browser.find_element("id", "panel").text
    assert REP_ID in panel and UNASSIGNED_ID in panel
    assert tooltips and all(t is not None for t in tooltips)
    assert any(t.startswith(f"{REP_ID}: ") for t in tooltips)
    assert any(ACCOUNT_NAME in p and ADDRESS in p and REP_ID in p for p in popups)
    assert any(UNASSIGNED_ID in p for p in unassigned)
    titles = [e.get_attribute("title") for e in browser.find_elements("css selector", ".fr-stop")]
    assert any(t.startswith(f"{REP_ID} · 1. ") for t in titles)


def test_territory_strings_run_nothing_and_show_as_text(
    browser: Any, live_service: LiveService, team_territories: dict[str, Any]
) -> None:
    browser.get(f"{live_service.url}/map?job={team_territories['id']}")
    wait_drawn(browser, "territories")
    tooltips = hover_all(browser, "path.fr-territory")
    accounts = click_all(browser, "path.fr-account")
    homes = click_all(browser, ".fr-home")
    assert_nothing_ran(browser)
    assert TERRITORY_REP in browser.find_element("id", "details").text
    assert any(t is not None and t.startswith(f"{TERRITORY_REP}: ") for t in tooltips)
    assert any(TERRITORY_ACCOUNT in p for p in accounts)
    assert any(TERRITORY_REP in p for p in homes)


def test_homes_of_reps_whose_ids_share_a_prefix_have_distinct_labels(
    browser: Any, live_service: LiveService, team_territories: dict[str, Any]
) -> None:
    browser.get(f"{live_service.url}/map?job={team_territories['id']}")
    wait_drawn(browser, "territories")
    homes = browser.find_elements("css selector", ".fr-home")
    labels = {h.get_attribute("data-rep"): h.text for h in homes}
    order = [t["rep_id"] for t in team_territories["result"]["territories"]]
    # not "re", "re", "<i": each rep's number, as in the territory table
    assert labels == {rep_id: str(i) for i, rep_id in enumerate(order, start=1)}
    rows = browser.find_elements("css selector", "#details tbody tr")
    assert [r.find_elements("tag name", "td")[0].text for r in rows] == ["1", "2", "3"]
    assert [r.find_elements("tag name", "td")[1].text for r in rows] == order
