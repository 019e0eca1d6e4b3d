"""The API documentation pages, ``GET /docs`` (Swagger UI) and ``GET /redoc`` (ReDoc).

Served without any CDN: Swagger UI's and ReDoc's files come from the installed
``fastapi-standalone-docs`` package (only its static files are used), the pages and
Swagger UI's configuration from ``service/static/docs/``. The pages hold no inline
script, and are sent with :data:`DOCS_CSP`, their own policy: ReDoc and Swagger UI
insert ``<style>`` elements at run time (so inline *styles* are allowed, which cannot
run code) and ReDoc runs its search in a ``blob:`` worker.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_standalone_docs
from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

#: Both documentation pages are public, as the schema (``/openapi.json``) is.
public_router = APIRouter(include_in_schema=False)

#: The pages' own files.
PAGES_DIR = Path(__file__).resolve().parent.parent / "static" / "docs"
#: Swagger UI's and ReDoc's files, as shipped by the fastapi-standalone-docs package.
VENDOR_DIR = Path(next(iter(fastapi_standalone_docs.__path__))) / "static"

#: Content-Security-Policy of the documentation pages: scripts only from the service
#: (no inline script, no ``eval``); inline styles and a ``blob:`` worker for ReDoc.
DOCS_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
)


def mount(app: FastAPI) -> None:
    """Serve the pages' files and the vendored Swagger UI and ReDoc under ``/static``."""
    app.mount("/static/docs", StaticFiles(directory=PAGES_DIR), name="docs-static")
    app.mount(
        "/static/swagger-ui", StaticFiles(directory=VENDOR_DIR / "swagger"), name="swagger-ui"
    )
    app.mount("/static/redoc", StaticFiles(directory=VENDOR_DIR / "redoc"), name="redoc")


def _page(name: str) -> FileResponse:
    return FileResponse(
        PAGES_DIR / name,
        media_type="text/html",
        headers={"Content-Security-Policy": DOCS_CSP, "X-Content-Type-Options": "nosniff"},
    )


@public_router.get("/docs")
def swagger_page() -> FileResponse:
    """Return the interactive API documentation (Swagger UI)."""
    return _page("swagger.html")


@public_router.get("/redoc")
def redoc_page() -> FileResponse:
    """Return the API reference (ReDoc)."""
    return _page("redoc.html")
