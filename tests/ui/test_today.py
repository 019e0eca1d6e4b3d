"""The rep's /today page on a phone: headless Chromium at 390x844 with touch emulation.

Load a real day-plan job, tap the first visit done and the second skipped, see the
re-planned list, go offline and tap a visit done, come back online and find each
check-in stored exactly once. Screenshots go to ``test-artifacts/`` like the map's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from solver.roads import RoadNetwork
from tests.ui.conftest import (
    ARTIFACTS_DIR,
    BROWSER_MARKS,
    MARKUP_NAME,
    LiveService,
    chromium,
    road_points,
)

pytestmark = BROWSER_MARKS

WIDTH, HEIGHT = 390, 844


def rep_day(network: RoadNetwork) -> dict[str, Any]:
    """One rep and six accounts across Monaco; one account's name is markup."""
    home, *places = road_points(network, 7)
    return {
        "network": "monaco",
        "date": "2026-12-01",
        "reps": [
            {
                "id": "maria",
                "start": {"lat": home[0], "lon": home[1]},
                "shift": {"start": "08:00", "end": "16:00"},
                "break": {"earliest": "12:00", "latest": "13:30", "duration_s": 1800},
            }
        ],
        "accounts": [
            {
                "id": f"P{i}",
                "name": MARKUP_NAME if i == 3 else f"Pharmacie {i}",
                "location": {"lat": lat, "lon": lon},
                "visit_duration_s": 1800,
                "required": True,
                "windows": [{"start": "08:00", "end": "15:00"}],
            }
            for i, (lat, lon) in enumerate(places, start=1)
        ],
        "options": {"time_limit_s": 1, "seed": 0},
    }


@pytest.fixture(scope="module")
def phone() -> Iterator[Any]:
    with chromium(WIDTH, HEIGHT) as driver:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 2, "mobile": True},
        )
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
        driver.execute_cdp_cmd("Network.enable", {})
        yield driver


def wait(driver: Any, condition: str, timeout_s: float = 60) -> None:
    """Wait until a JavaScript expression is true (or fail with the page's status)."""
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, timeout_s).until(lambda d: d.execute_script(f"return {condition}"))
    except Exception:
        status = driver.execute_script("return document.getElementById('status').textContent")
        raise AssertionError(f"not {condition}: page says {status!r}") from None


def tap(driver: Any, css: str) -> None:
    """Tap the first element matching ``css`` with a touch (not a mouse click)."""
    x, y = driver.execute_script(
        "const el = document.querySelector(arguments[0]); el.scrollIntoView({block: 'center'});"
        "const r = el.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2];",
        css,
    )
    point = [{"x": x, "y": y}]
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point})
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def listed(driver: Any) -> list[str]:
    """Account ids of the visits still to make, in the page's order."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#stops li[data-account]')]"
        ".map(li => li.dataset.account)"
    )


def set_offline(driver: Any, offline: bool) -> None:
    driver.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def screenshot(driver: Any, name: str) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    (ARTIFACTS_DIR / name).write_bytes(driver.get_screenshot_as_png())


def test_rep_marks_visits_replans_and_checks_in_offline_exactly_once(
    phone: Any, live_service: LiveService, monaco_network: RoadNetwork
) -> None:
    job = live_service.run_job("day-plan", rep_day(monaco_network))
    route = job["result"]["routes"][0]
    planned = [s["account_id"] for s in route["stops"] if s["type"] == "visit"]
    assert len(planned) == 6
    phone.get(f"{live_service.url}/today?job={job['id']}&rep=maria&now=08:05")
    wait(phone, "document.body.dataset.state === 'ready'")
    assert listed(phone) == planned
    assert phone.execute_script("return window.innerWidth") == WIDTH
    assert phone.execute_script("return navigator.maxTouchPoints") > 0
    names = phone.execute_script(
        "return [...document.querySelectorAll('#stops .name')].map(n => n.textContent)"
    )
    assert MARKUP_NAME in names  # drawn as text
    assert phone.execute_script("return document.body.dataset.owned") is None
    buttons = phone.execute_script(
        "return [...document.querySelectorAll('#stops .next button')]"
        ".map(b => b.getBoundingClientRect().height)"
    )
    assert buttons and min(buttons) >= 44  # touch targets
    screenshot(phone, "today-loaded.png")

    # the first visit done (arrived, then done), the second skipped
    tap(phone, "#stops .next button.done")
    wait(phone, "document.querySelector('#stops .next button.done').textContent === 'Done'")
    tap(phone, "#stops .next button.done")
    wait(
        phone,
        "document.body.dataset.state === 'ready'"
        f" && ![...document.querySelectorAll('#stops li[data-account]')]"
        f".some(li => li.dataset.account === {planned[0]!r})",
    )
    wait(phone, "document.getElementById('status').textContent.startsWith('Re-planned')")
    tap(phone, "#stops .next button.skip")  # reason: the first option, closed
    wait(
        phone,
        "document.body.dataset.state === 'ready' && "
        f"![...document.querySelectorAll('#stops li[data-account]')]"
        f".some(li => li.dataset.account === {planned[1]!r})",
    )
    rest = listed(phone)
    assert planned[0] not in rest and planned[1] not in rest
    assert sorted(rest) == sorted(planned[2:])  # the re-planned list: the rest of the day
    left_out = phone.find_element("id", "unassigned").text
    assert planned[1] in left_out and "SKIPPED" in left_out and "closed" in left_out
    screenshot(phone, "today-replanned.png")

    # no signal: a visit marked done is queued on the phone
    set_offline(phone, True)
    wait(phone, "navigator.onLine === false")
    third = rest[0]
    tap(phone, "#stops .next button.done")
    tap(phone, "#stops .next button.done")
    wait(phone, "document.body.dataset.queued === '1' && document.body.dataset.online === 'false'")
    assert third not in listed(phone)
    screenshot(phone, "today-offline.png")

    # signal back: the queue is sent, the day re-planned
    set_offline(phone, False)
    wait(phone, "document.body.dataset.queued === '0' && document.body.dataset.state === 'ready'")
    stored = httpx.get(f"{live_service.url}/v1/jobs/{job['id']}/checkins", timeout=30).json()
    by_account = [c["account_id"] for c in stored["checkins"]]
    assert sorted(by_account) == sorted([planned[0], planned[1], third])  # each exactly once
    statuses = {c["account_id"]: c["status"] for c in stored["checkins"]}
    assert statuses == {planned[0]: "done", planned[1]: "skipped", third: "done"}
    assert stored["kpis"][0]["meetings_held"] == 2
    # reloading the page (which sends any queue left) stores nothing twice
    phone.refresh()
    wait(phone, "document.body.dataset.state === 'ready'")
    again = httpx.get(f"{live_service.url}/v1/jobs/{job['id']}/checkins", timeout=30).json()
    assert [c["id"] for c in again["checkins"]] == [c["id"] for c in stored["checkins"]]
    assert sorted(listed(phone)) == sorted(a for a in planned if a not in by_account)
    screenshot(phone, "today-back-online.png")
