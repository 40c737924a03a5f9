"""Typed settings: the one place that reads the environment (and an optional .env file)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from api.domain.labor_market import DEFAULT_MIN_ANNUAL_OPENINGS, DEFAULT_MIN_GROWTH_PERCENT, InDemandRule


def default_data_dir() -> Path:
    """Per-user folder for the embedded database (root gets a system folder, never its home)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # The embedded server widens permissions on every parent of its data folder when run as root;
        # /var/lib is already world-traversable, /root is not and must stay closed.
        return Path("/var/lib/pathways")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pathways"


class Settings(BaseSettings):
    """Configuration of one Pathways process."""

    model_config = SettingsConfigDict(env_prefix="PATHWAYS_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    # A read replica (a hot standby streaming from DATABASE_URL's server): read-only requests read there, every
    # write, rate limit, idempotency key, audit entry and key lookup stays on the primary (docs/scaling.md).
    read_database_url: str | None = None
    # A key's reads go to the primary for this long after it last wrote, so that it reads its own writes; set
    # it above the replica's usual lag.
    read_your_writes_seconds: float = Field(default=5.0, ge=0)
    # Who migrates, when not DATABASE_URL's user: the owner role's URL (or a superuser's). With it, DATABASE_URL
    # is the service role's own URL; without it, a superuser DATABASE_URL serves as the service role.
    migration_database_url: str | None = None
    # The database roles: the owner of the schema (migrations run as it) and the role the service connects as.
    db_owner_role: str = "pathways_owner"
    db_service_role: str = "pathways_service"
    # The service role's password, set by the service when it creates the roles (trust or peer auth needs none).
    db_service_password: str | None = None
    data_dir: Path = Field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    migrate_on_start: bool = True
    seed_demo_on_start: bool = False
    pool_min_size: int = 1
    pool_max_size: int = 10
    statement_timeout_ms: int = 15_000
    statement_cache_size: int = 100
    graphiql: bool = True
    # A list setting takes a JSON list or a comma-separated value: PATHWAYS_CORS_ORIGINS=https://a.example,https://b.example
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Proxies whose X-Forwarded-For names the client (addresses or networks, comma-separated); none by default.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The request head (request line and headers) the server accepts: bytes and header fields.
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    max_header_count: int = Field(default=100, ge=10)
    max_body_bytes: int = 10 * 1024 * 1024
    max_bulk_body_bytes: int = 2 * 1024 * 1024 * 1024
    max_ndjson_line_bytes: int = 1024 * 1024
    # Reading a body: at most this long between two pieces of it, and in all (bulk paths: ``bulk_body_timeout_s``).
    body_idle_timeout_s: float = Field(default=30.0, gt=0)
    body_timeout_s: float = Field(default=120.0, gt=0)
    bulk_body_timeout_s: float = Field(default=3600.0, gt=0)
    sync_batch_size: int = 5000
    # Bounds of one bulk request (syncs, HSDS imports, LMI and title loads): lines, blank ones included, and
    # seconds of work; past either the request is a 413 problem and nothing is written.
    max_bulk_lines: int = Field(default=2_000_000, ge=1)
    bulk_time_budget_s: float = Field(default=600.0, gt=0)
    # A complete-set sync may retire at most this share of its source's records unless the request confirms
    # it (max_retire=N or allow_mass_retire=true).
    complete_sync_max_retire_share: float = Field(default=0.10, ge=0, le=1)
    lmi_batch_rows: int = Field(default=5000, ge=1, le=100_000)
    # The in-demand rule (WIOA leaves it to the board): annual openings OR growth; unset disables a threshold.
    in_demand_min_annual_openings: int | None = Field(default=DEFAULT_MIN_ANNUAL_OPENINGS, ge=0)
    in_demand_min_growth_percent: float | None = DEFAULT_MIN_GROWTH_PERCENT
    default_page_size: int = 50
    max_page_size: int = 500
    public_directory_read: bool = True
    # The HSDS profile /hsds/ declares; the default is plain HSDS 3.0 (extensions travel in ``x_pathways``).
    hsds_profile_url: str = "https://docs.openreferral.org/en/v3.0/"
    rate_limit_per_minute: int = 1200
    anonymous_rate_limit_per_minute: int = 300
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 2000
    graphql_max_cost: int = 50_000
    graphql_introspection: bool = True
    # The GraphQL fast path (api/graphql/fast/); off, or failing to load, Strawberry's stock executor answers.
    graphql_fast_path: bool = True
    # Days before expiry from which an agreement in force is reported as due for renewal (gap analysis).
    agreement_expiry_window_days: int = Field(default=90, ge=0, le=3650)
    # Months within which every member agency's staff should have been informed or trained together (gap analysis).
    staff_training_period_months: int = Field(default=12, ge=1, le=120)
    # How far (km) from a system's members an organization outside its regions still counts as a candidate to
    # close its gaps.
    candidate_radius_km: float = Field(default=50.0, gt=0, le=1000)
    log_level: str = "INFO"
    log_json: bool = True
    # The command line's client side (`pathways import/export --url`): which service, with which key.
    url: str | None = None
    api_key: str | None = None
    # Who answers for this deployment's API and on what terms: published in the OpenAPI description's info.
    api_contact_name: str = "Pathways service operators"
    api_contact_url: str | None = None
    api_contact_email: str | None = None
    api_license_name: str = "Proprietary: terms of use set by the operating agency"
    api_license_url: str | None = None

    @field_validator("cors_origins", "forwarded_allow_ips", mode="before")
    @classmethod
    def _list_from_text(cls, value: Any) -> Any:
        """Read a list setting written as a JSON list or as comma-separated values."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]

    def api_contact(self) -> dict[str, str]:
        """The OpenAPI ``info.contact`` of this deployment."""
        contact = {"name": self.api_contact_name, "url": self.api_contact_url, "email": self.api_contact_email}
        return {k: v for k, v in contact.items() if v}

    def api_license(self) -> dict[str, str]:
        """The OpenAPI ``info.license`` of this deployment."""
        license_info = {"name": self.api_license_name, "url": self.api_license_url}
        return {k: v for k, v in license_info.items() if v}

    def in_demand_rule(self) -> InDemandRule:
        """The in-demand thresholds this deployment applies."""
        return InDemandRule(min_annual_openings=self.in_demand_min_annual_openings,
                            min_growth_percent=self.in_demand_min_growth_percent)


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings."""
    return Settings()
