"""Road network and health responses (``GET /v1/networks``, ``GET /health``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class NetworkOut(BaseModel):
    """A prepared road network."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "malta",
                    "bbox": [14.3246, 35.8071, 14.5732, 35.9953],
                    "nodes": 19025,
                    "edges": 45692,
                    "source_file": "malta-2016-11-09.osm.pbf",
                    "source_sha256": "acb9bb2a00ca497c5e2bf3b96ab55bbf"
                    "4ce01599abdedcb6c56d5cd109215a12",
                    "built_at": "2026-11-26T22:16:35+00:00",
                    "default": True,
                }
            ]
        }
    )

    name: str = Field(examples=["malta"])
    bbox: list[float] = Field(description="[min_lon, min_lat, max_lon, max_lat], degrees.")
    nodes: int
    edges: int
    source_file: str
    source_sha256: str | None = None
    built_at: str = Field(description="ISO 8601 build time.")
    default: bool = False


class HealthOut(BaseModel):
    """Liveness and the networks this service can plan on."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "ok", "networks": ["malta"]}]}
    )

    status: Literal["ok"]
    networks: list[str]
