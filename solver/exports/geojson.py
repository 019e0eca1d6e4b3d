"""Day plans and territories as GeoJSON FeatureCollections."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from solver.model import Plan, format_time_s

if TYPE_CHECKING:  # solver.territory imports this module (TerritoryPlan.to_geojson)
    from solver.territory.model import TerritoryPlan


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def plan_geojson(plan: Plan) -> dict[str, Any]:
    """Return a day plan as a GeoJSON FeatureCollection.

    Parameters
    ----------
    plan
        A day plan whose stops carry their locations (``Stop.location``).

    Returns
    -------
    dict
        One LineString feature per route (its road geometry, else straight lines
        between its stops) with the route totals, then one Point feature per stop with
        its clock times. Stops without coordinates (explicit-matrix plans) are left out.
    """
    features: list[dict[str, Any]] = []
    for route in plan.routes:
        located = [
            (order, stop)
            for order, stop in enumerate(route.stops)
            if stop.location is not None and stop.location.is_geo
        ]
        coords = [[stop.location.lon, stop.location.lat] for _, stop in located]
        geometry = route.geometry or (
            {"type": "LineString", "coordinates": coords} if len(coords) >= 2 else None
        )
        if geometry is not None:
            totals = dataclasses.asdict(route.totals)
            features.append(_feature(geometry, {"kind": "route", "rep_id": route.rep_id, **totals}))
        for order, stop in located:
            properties = {
                "kind": "stop",
                "rep_id": route.rep_id,
                "order": order,
                "type": str(stop.type),
                "account_id": stop.account_id,
                "arrival": format_time_s(stop.arrival_s),
                "start": format_time_s(stop.start_s),
                "departure": format_time_s(stop.departure_s),
                "wait_s": stop.wait_s,
                "travel_s": stop.travel_s,
                "distance_m": stop.distance_m,
            }
            point = {"type": "Point", "coordinates": [stop.location.lon, stop.location.lat]}
            features.append(_feature(point, properties))
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"date": plan.date.isoformat(), "summary": plan.summary()},
    }


def territory_geojson(plan: TerritoryPlan) -> dict[str, Any]:
    """Return territories as a GeoJSON FeatureCollection.

    Parameters
    ----------
    plan
        A territory plan.

    Returns
    -------
    dict
        One feature per territory that has a polygon; its properties are the
        territory's figures (everything but the polygon and the account ids). The
        collection's properties hold the plan's balance summary.
    """
    features = []
    for territory in plan.territories:
        if territory.polygon is None:
            continue
        figures = dataclasses.asdict(territory)
        properties = {k: v for k, v in figures.items() if k not in ("polygon", "account_ids")}
        features.append(_feature(territory.polygon, properties))
    summary = dataclasses.asdict(plan.summary)
    summary["explanation"] = list(summary.get("explanation", ()))
    return {"type": "FeatureCollection", "features": features, "properties": {"summary": summary}}
