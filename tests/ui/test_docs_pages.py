"""/docs and /redoc render in headless Chromium with no network but the service's own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import LiveService
from tests.ui.test_map_safety import browser, pytestmark  # noqa: F401 - the fixture, the marks


def rendered(driver: Any, css: str) -> int:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(lambda d: d.find_elements("css selector", css))
    return len(driver.find_elements("css selector", css))


@pytest.mark.parametrize(("path", "drawn"), [("/docs", ".opblock"), ("/redoc", "[role=menuitem]")])
def test_docs_pages_render_offline_without_policy_violations(
    browser: Any,  # noqa: F811
    live_service: LiveService,
    path: str,
    drawn: str,
) -> None:
    browser.get(live_service.url + path)
    assert rendered(browser, drawn) > 5  # one entry per endpoint
    assert browser.execute_script("return window.__violations") == []
    hosts = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).host)"
    )
    assert set(hosts) == {live_service.url.removeprefix("http://")}
