"""Examples of day-plan requests and responses shown in the OpenAPI document."""

from __future__ import annotations

DAY_PLAN_REQUESTS = [
    {
        "network": "malta",
        "date": "2026-12-01",
        "reps": [
            {
                "id": "maria",
                "start": {"lat": 35.8958, "lon": 14.4611},
                "shift": {"start": "08:00", "end": "17:00"},
            }
        ],
        "accounts": [
            {
                "id": "valletta-pharmacy",
                "location": {"lat": 35.8989, "lon": 14.5146},
                "visit_duration_s": 1200,
                "windows": [{"start": "09:00", "end": "12:00"}],
            },
            {
                "id": "sliema-clinic",
                "location": {"lat": 35.9122, "lon": 14.5042},
                "visit_duration_s": 1800,
            },
        ],
        "options": {"time_limit_s": 1, "seed": 0},
    }
]

CHECK_REQUESTS = [
    {
        "date": "2026-12-01",
        "reps": [
            {
                "id": "r1",
                "start": {"index": 0},
                "shift": {"start": "08:00", "end": "17:00"},
            }
        ],
        "accounts": [
            {"id": "A1", "location": {"index": 1}, "visit_duration_s": 600},
        ],
        "matrix": {
            "durations_s": [[0, 600], [600, 0]],
            "distances_m": [[0, 5000], [5000, 0]],
        },
        "orders": {"r1": ["A1"]},
    }
]

BATCH_REQUESTS = [
    {
        "requests": [
            {
                "network": "malta",
                "date": "2026-12-01",
                "reps": [
                    {
                        "id": "R1",
                        "start": {"lat": 35.8958, "lon": 14.4611},
                        "shift": {"start": "08:00", "end": "17:00"},
                    }
                ],
                "accounts": [
                    {
                        "id": "A1",
                        "location": {"lat": 35.8989, "lon": 14.5146},
                        "visit_duration_s": 1800,
                    }
                ],
                "options": {"time_limit_s": 2, "seed": 0},
            }
        ]
    }
]

EXAMPLE_ROUTE = {
    "rep_id": "maria",
    "stops": [
        {
            "type": "start",
            "account_id": None,
            "arrival": "08:00",
            "start": "08:00",
            "departure": "08:00",
            "wait_s": 0,
            "travel_s": 0,
            "distance_m": 0,
            "location": {"lat": 35.8958, "lon": 14.4611},
        },
        {
            "type": "visit",
            "account_id": "valletta-pharmacy",
            "arrival": "08:14:25",
            "start": "09:00",
            "departure": "09:20",
            "wait_s": 2735,
            "travel_s": 865,
            "distance_m": 8123,
            "location": {"lat": 35.8989, "lon": 14.5146},
        },
        {
            "type": "end",
            "account_id": None,
            "arrival": "09:34:40",
            "start": "09:34:40",
            "departure": "09:34:40",
            "wait_s": 0,
            "travel_s": 880,
            "distance_m": 8310,
            "location": {"lat": 35.8958, "lon": 14.4611},
        },
    ],
    "totals": {
        "drive_s": 1745,
        "distance_m": 16433,
        "visit_s": 1200,
        "wait_s": 2735,
        "break_s": 0,
        "cost": 17.05,
        "visits": 1,
        "value": 50.0,
        "lateness_s": 0,
    },
    "geometry": {"type": "LineString", "coordinates": [[14.4611, 35.8958], [14.5146, 35.8989]]},
}
EXAMPLE_PLAN = {
    "date": "2026-12-01",
    "network": "malta",
    "routes": [EXAMPLE_ROUTE],
    "unassigned": [
        {
            "account_id": "sliema-clinic",
            "reason": "NO_FEASIBLE_WINDOW",
            "detail": "Account 'sliema-clinic': no window can be reached within the shift.",
        }
    ],
    "summary": {
        "reps": 1,
        "visits": 1,
        "unassigned": 1,
        "drive_s": 1745,
        "distance_m": 16433,
        "visit_s": 1200,
        "wait_s": 2735,
        "break_s": 0,
        "cost": 17.05,
        "value": 50.0,
    },
    "solver": {
        "status": "ROUTING_SUCCESS",
        "seed": 0,
        "time_limit_s": 1.0,
        "time_s": 0.41,
        "objective": 17.05,
    },
}
