"""OpenAPI documentation of the error statuses an endpoint can answer besides the common ones.

Every ``/v1`` route documents 401, 403, 413 and 422 (``common.errors.ERROR_RESPONSES``);
these add the statuses that only some routes give, with the one error body. 429 (the
tenant's limits) and 503 (service full, deadline) are common to every route.
"""

from __future__ import annotations

from typing import Any

from service.common.errors import ERROR_RESPONSES, ErrorBody

Responses = dict[int | str, dict[str, Any]]

#: A solve names a network that is not prepared (``network_not_found``).
NETWORK_NOT_FOUND: Responses = {
    404: {"model": ErrorBody, "description": "The request names a network that is not prepared."}
}
#: The worker process of a synchronous solve died (``worker_died``), the service is full
#: (``busy``) or the answer ran past its deadline (``timeout``); retrying is safe.
WORKER_DIED: Responses = {
    503: {
        **ERROR_RESPONSES[503],
        "description": "The solver process stopped (`worker_died`), the service is full "
        "(`busy`) or the answer ran past its deadline (`timeout`); retry after "
        "`Retry-After` seconds.",
    }
}
#: An unknown job (or rep of a batch job).
JOB_NOT_FOUND: Responses = {
    404: {"model": ErrorBody, "description": "No job of that id (or no such rep in it)."}
}
#: The job is not in a state that allows the request.
JOB_CONFLICT: Responses = {
    409: {
        "model": ErrorBody,
        "description": "The job is not in a state that allows it (not finished, failed, "
        "already finished, or not a day plan).",
    }
}
#: A synchronous solve: an unknown network, or its worker died.
SOLVE: Responses = {**NETWORK_NOT_FOUND, **WORKER_DIED}
