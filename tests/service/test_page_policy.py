"""Every HTML page of the service, present or to come, is sent with the page policy."""

from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from service.app import create_app
from service.maps.endpoints import PAGE_CSP


def test_any_html_page_gets_the_policy_and_json_does_not(settings):
    app = create_app(settings)

    @app.get("/a-page-to-come", response_class=HTMLResponse)
    def page() -> str:
        return "<!doctype html><p>new page</p>"

    with TestClient(app) as client:
        for path in ("/map", "/a-page-to-come"):
            response = client.get(path)
            assert response.headers["content-security-policy"] == PAGE_CSP
            assert "'unsafe-inline'" not in PAGE_CSP and "'unsafe-eval'" not in PAGE_CSP
        assert "content-security-policy" not in client.get("/health").headers
