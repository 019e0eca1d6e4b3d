"""The map page (``GET /map``) and its road base layer (``GET /map/roads/{name}.geojson``).

The job exports (calendar, GPX, links, the map's job data) are in
:mod:`service.maps.exports`; both routers are included by :func:`service.app.create_app`.

No tile server is reachable where fieldroute runs, so the page draws the prepared
road network itself as its base layer. Leaflet comes from the installed
``xstatic-leaflet`` package and is served as static files; the page's own code is
``service/static/map.{html,js,css}``.

Both routes are public: the page holds no data, and the roads are OpenStreetMap data
(ODbL). Plans are loaded by the page through the authenticated ``/v1`` API.

Every HTML page of the service is sent with :data:`PAGE_CSP` (see
:class:`PageSecurityHeaders`): scripts only from the service's own files, no inline
script, no ``eval``; the page renders every string of a plan as text.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import xstatic.pkg.leaflet
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.common.errors import ErrorBody
from service.common.services import services_of
from service.maps.work import road_layer
from service.networks.endpoints import not_prepared
from service.networks.work import network_info

#: The map page and its road layer are public (no API key): see the module docstring.
public_router = APIRouter(tags=["map"])

#: Content-Security-Policy of the service's HTML pages: everything from the service
#: itself, no inline script or ``eval`` (a string that slipped into the page as HTML
#: still could not run), no plugins, no framing, no foreign ``<base>``.
PAGE_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
)


class PageSecurityHeaders:
    """ASGI middleware: send :data:`PAGE_CSP` and ``nosniff`` with every HTML page.

    Applies to any ``text/html`` response (the map page and any page to come) that
    does not set a policy of its own (the API documentation pages send theirs,
    :data:`service.api_docs.endpoints.DOCS_CSP`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, adding the headers to an HTML response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                html = headers.get("content-type", "").startswith("text/html")
                if html and "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = PAGE_CSP
                    headers["X-Content-Type-Options"] = "nosniff"
            await send(message)

        await self.app(scope, receive, send_with_policy)


#: The page's own files.
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
#: Leaflet's files, as shipped by the xstatic-leaflet package.
LEAFLET_DIR = Path(xstatic.pkg.leaflet.BASE_DIR)

#: Road layers already made: (networks_dir, name, built_at) -> (JSON bytes, gzipped bytes).
#: Two first requests at once both make it (harmless, the result is the same).
_ROAD_LAYERS: dict[tuple[str, str, str], tuple[bytes, bytes]] = {}


def mount(app: FastAPI) -> None:
    """Serve Leaflet at ``/static/leaflet`` and the page's files at ``/static/map``.

    Also installs :class:`PageSecurityHeaders`, so that every HTML page (this one,
    its static copy and any page to come) is sent with :data:`PAGE_CSP`.
    """
    app.add_middleware(PageSecurityHeaders)
    app.mount("/static/leaflet", StaticFiles(directory=LEAFLET_DIR), name="leaflet")
    app.mount("/static/map", StaticFiles(directory=STATIC_DIR), name="map-static")


@public_router.get("/map", include_in_schema=False)
def map_page() -> FileResponse:
    """Return the map page (``?job=<id>`` loads a job, ``?network=<name>`` picks the roads)."""
    return FileResponse(STATIC_DIR / "map.html", media_type="text/html")


@public_router.get(
    "/map/roads/{name}.geojson",
    summary="Roads of a prepared network as GeoJSON (the map's base layer)",
    responses={
        200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}},
        404: {"model": ErrorBody, "description": "No network of that name."},
        422: {"model": ErrorBody, "description": "Invalid network name."},
    },
)
async def road_geojson(name: str, request: Request) -> Response:
    """Return every road of the network as one simplified MultiLineString.

    Made once per network build and kept in memory; sent gzipped when the client
    accepts it, with an ETag of the build so browsers revalidate cheaply.
    """
    services = services_of(request)
    networks_dir = services.config.networks_dir
    info = network_info(networks_dir, name)
    if info is None:
        raise not_prepared(name)
    key = (networks_dir, name, str(info.built_at))
    etag = '"' + str(info.source_sha256 or "")[:16] + "-" + key[2] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if key not in _ROAD_LAYERS:
        layer = await services.call(road_layer, name)
        body = json.dumps(layer, separators=(",", ":")).encode()
        _ROAD_LAYERS[key] = (body, gzip.compress(body, compresslevel=6))
    body, zipped = _ROAD_LAYERS[key]
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        body = zipped
    return Response(body, media_type="application/geo+json", headers=headers)
