"""Service settings, read from the environment (prefix ``FIELDROUTE_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The per-user data directory of fieldroute (``platformdirs``: e.g.
#: ``~/.local/share/fieldroute`` on Linux, ``~/Library/Application Support/fieldroute`` on
#: macOS, ``%LOCALAPPDATA%\\fieldroute`` on Windows). Prepared networks and the SQLite job
#: store live there by default, wherever a command is run from.
DATA_DIR = Path(user_data_dir("fieldroute", appauthor=False))
#: The OSM extracts shipped inside the package (found from the package, not the cwd).
SHIPPED_EXTRACTS_DIR = Path(__file__).resolve().parent / "extracts"


class Settings(BaseSettings):
    """Every knob of the service, with the embedded defaults.

    Each field can be set as an environment variable, e.g. ``FIELDROUTE_NETWORKS_DIR``.
    List fields take JSON (``FIELDROUTE_API_KEYS='["k1","k2"]'``).
    """

    model_config = SettingsConfigDict(env_prefix="FIELDROUTE_", env_file=".env", extra="ignore")

    networks_dir: Path = Field(
        default=DATA_DIR / "networks",
        description="Where prepared road networks live (default: the per-user data directory).",
    )
    osm_dir: Path = Field(
        default=SHIPPED_EXTRACTS_DIR,
        description="Where the extract of the default network is read on first start.",
    )
    default_network: str = Field(
        default="malta", description="Network used when a request names none."
    )
    database_url: str = Field(
        default=f"sqlite:///{(DATA_DIR / 'fieldroute.sqlite').as_posix()}",
        description=(
            "SQLAlchemy URL of the job store (default: SQLite in the per-user data directory; "
            "e.g. postgresql+psycopg://...)."
        ),
    )
    database_auto_upgrade: bool | None = Field(
        default=None,
        description=(
            "Upgrade the job database's schema at start-up when it is behind. Unset: an "
            "embedded SQLite file is upgraded, a server database (PostgreSQL) never is - "
            "the service refuses to start and says to run `fieldroute db upgrade`."
        ),
    )
    database_retry_s: float = Field(
        default=60.0,
        gt=0,
        description=(
            "While the job database is unreachable, a worker keeps trying this long to store "
            "a finished job's result (then the job runs again later)."
        ),
    )
    api_keys: list[str] = Field(
        default_factory=list,
        description=(
            "Accepted X-API-Key values of a single-tenant service (tenant 'default'); "
            "keys of several tenants are made with `fieldroute keys create`."
        ),
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description=(
            "Origins whose browser pages may call the API (CORS), e.g. "
            '\'["https://crm.example.com"]\'; none by default. "*" allows any origin.'
        ),
    )
    dev_mode: bool = Field(
        default=False, description="Open dev mode: no API key is required (local use only)."
    )
    jobs: Literal["inprocess", "celery"] = Field(
        default="inprocess", description="Job executor: in-process pool or Celery workers."
    )
    workers: int = Field(default=2, ge=1, description="Processes of the in-process executor.")
    warm_workers: bool = Field(
        default=True,
        description=(
            "Start every worker process at start-up and load the default network in each, "
            "so the first requests do not pay for it (off: started on first use)."
        ),
    )
    celery_broker_url: str = Field(
        default="redis://127.0.0.1:6379/0", description="Celery broker (jobs=celery)."
    )
    celery_result_url: str = Field(
        default="redis://127.0.0.1:6379/1",
        description="Celery result backend (task states only: results live in the database).",
    )
    celery_visibility_timeout_s: float = Field(
        default=120.0,
        gt=0,
        description=(
            "Redis broker: a message not acknowledged this long is delivered again, so a "
            "job whose worker died is taken over by another after about this long."
        ),
    )
    celery_broker_check_s: float = Field(
        default=5.0,
        gt=0,
        description=(
            "Redis broker: the service looks this often whether Redis restarted (its queued "
            "messages lost) and then submits the unfinished jobs again."
        ),
    )
    job_deadline_s: float = Field(
        default=900.0, gt=0, description="A job not finished this long after submission fails."
    )
    job_max_attempts: int = Field(
        default=3, ge=1, description="Starts of a job (first run plus take-overs) before it fails."
    )
    job_lease_s: float = Field(
        default=30.0,
        gt=0,
        description="A running job whose worker sent no heartbeat this long may be taken over.",
    )
    shutdown_grace_s: float = Field(
        default=30.0,
        ge=0,
        description=(
            "On SIGTERM or SIGINT, running solves get this long to finish; then their worker "
            "processes are stopped and their jobs put back in the queue (resumed on the next "
            "start)."
        ),
    )
    max_batch_reps: int = Field(
        default=5000, ge=1, description="Most single-rep requests in one day-plan batch."
    )
    max_sync_accounts: int = Field(
        default=200, ge=1, description="Larger synchronous requests get 413 (use /v1/jobs)."
    )
    max_body_bytes: int = Field(default=20_000_000, ge=1024, description="Request body limit.")
    max_sync_matrix_cells: int = Field(
        default=250_000,
        ge=1,
        description="Largest origins x destinations estimate answered synchronously.",
    )
    max_sync_time_limit_s: float = Field(
        default=60.0,
        gt=0,
        description="Longest solver time limit answered synchronously (more: use /v1/jobs).",
    )
    geocoder: Literal["offline", "nominatim"] = Field(
        default="offline",
        description=(
            "Where addresses are placed: 'offline' (the address index built with each road "
            "network) or 'nominatim' (the organisation's own server, FIELDROUTE_NOMINATIM_URL)."
        ),
    )
    nominatim_url: str | None = Field(
        default=None, description="Base URL of your own Nominatim server (geocoder=nominatim)."
    )
    nominatim_min_delay_s: float = Field(
        default=1.0, ge=0, description="Least time between two Nominatim requests, seconds."
    )
    max_sync_import_rows: int = Field(
        default=2000,
        ge=1,
        description="CSV imports with more data rows than this run as a job (202 + job URL).",
    )
    webhook_signing_key: str = Field(
        default="",
        description=(
            "Server secret from which each API key's webhook secret is derived "
            "(HMAC-SHA256); empty: derived from the API key alone. Set it in production."
        ),
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow callback URLs on private, loopback or link-local addresses "
        "(on-premise CRMs).",
    )
    webhook_retry_s: float = Field(
        default=3600.0, ge=0, description="How long a failing webhook is retried, seconds."
    )
    webhook_first_retry_s: float = Field(
        default=2.0, gt=0, description="Delay before the first retry; doubled each time."
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one delivery.")
    currency: str = Field(
        default="EUR",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 currency of costs when a request names none.",
    )
    tenant_requests_per_minute: int = Field(
        default=1200,
        ge=1,
        description="Requests a tenant (all its keys together) may make per minute; then 429.",
    )
    tenant_max_jobs: int = Field(
        default=100,
        ge=1,
        description="Queued or running jobs a tenant may have at once; a new one gets 429.",
    )
    rate_limit_storage_url: str = Field(
        default="",
        description=(
            "Where request counts are kept (a `limits` storage URI, e.g. redis://host:6379/2); "
            "empty: the Redis broker when jobs=celery, else this process's memory."
        ),
    )
    max_job_backlog: int = Field(
        default=500,
        ge=1,
        description=(
            "Most job tasks (a batch counts one per rep) waiting or running in the executor "
            "(the in-process pool, or the Celery queue); past it a new job gets 503."
        ),
    )
    quick_workers: int = Field(
        default=1,
        ge=0,
        description=(
            "Processes that answer quick requests (travel estimates of at most "
            "`quick_max_cells` pairs) apart from the solver pool, so they never wait "
            "behind a solve; 0: the solver pool answers them too."
        ),
    )
    quick_max_cells: int = Field(
        default=2500,
        ge=1,
        description="Largest origins x destinations estimate answered by the quick workers.",
    )
    inline_max_cells: int = Field(
        default=400,
        ge=0,
        description=(
            "Estimates of at most this many origins x destinations pairs (a few "
            "milliseconds) are answered in the API process itself, on a thread, with no "
            "hop to a worker process; the API process then loads the default network at "
            "start-up. 0: every estimate goes to a worker process."
        ),
    )
    solver_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description=(
            "OS niceness of the solver worker processes (the in-process pool and Celery "
            "workers): a solve uses whatever CPU is left, the API process and quick "
            "requests are scheduled first. 0: same priority as the API."
        ),
    )
    max_sync_backlog: int = Field(
        default=32,
        ge=1,
        description="Most synchronous solves waiting or running at once; past it 503.",
    )
    sync_deadline_s: float = Field(
        default=90.0,
        gt=0,
        description="A synchronous request not answered in this long gets 503 `timeout`.",
    )
    retry_after_s: int = Field(
        default=5, ge=1, description="Retry-After (seconds) of a 503 when the service is full."
    )
    host: str = Field(default="127.0.0.1", description="Address `fieldroute serve` binds.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `fieldroute serve` binds.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once)."""
    return Settings()
