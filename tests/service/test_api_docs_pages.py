"""/docs and /redoc work offline: every file from the service, no inline script, own policy."""

from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient

from service.api_docs.endpoints import DOCS_CSP
from service.app import create_app


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.inline_scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.urls.append(attrs["src"])
            else:
                self._in_script = True
        elif tag == "link":
            self.urls.append(attrs["href"])
        elif tag == "style" or "style" in attrs or any(a.startswith("on") for a in attrs):
            self.inline_scripts.append(f"<{tag}> with inline style or handler")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


@pytest.mark.parametrize(
    ("path", "vendor"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")]
)
def test_docs_pages_load_every_file_from_the_service_under_their_own_policy(settings, path, vendor):
    with TestClient(create_app(settings)) as client:
        page = client.get(path)
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == DOCS_CSP
        script_src = next(d for d in DOCS_CSP.split("; ") if d.startswith("script-src"))
        assert script_src == "script-src 'self'"  # no inline script, no eval, no CDN
        assets = Assets()
        assets.feed(page.text)
        assert assets.inline_scripts == []
        assert "//" not in page.text.replace("<!DOCTYPE", "")  # no absolute URL at all
        assert any(url.endswith(vendor) for url in assets.urls)
        for url in assets.urls:
            served = client.get(urljoin(f"http://testserver{path}", url))
            assert served.status_code == 200 and len(served.content) > 20, url
        assert client.get("/openapi.json").status_code == 200
