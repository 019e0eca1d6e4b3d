"""Small helpers shared by the route modules."""

from __future__ import annotations

from fastapi import Request

from service.app import Services


def services_of(request: Request) -> Services:
    """Return the app's :class:`~service.app.Services`."""
    return request.app.state.services
