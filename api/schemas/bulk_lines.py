"""The shape of one line (or CSV row) of the labour market bulk loads, as published in OpenAPI.

The loads read raw lines (``api.domain.lmi_ingest``, which accepts numbers written as text and checks codes);
these models only describe a line for client generators, in the OpenAPI ``x-itemSchema`` of the bodies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Figure = float | str


class ObservationLine(BaseModel):
    """One line of ``POST /v1/labor-market/observations``: figures for an occupation or industry in a region."""

    region: str = Field(description="The region the figures are for (a region code).", examples=["or-brightwater"])
    code_kind: Literal["soc", "naics"] = Field(default="soc", description="soc (occupation) or naics (industry).")
    code: str = Field(description="The SOC or NAICS code.", examples=["29-1141"])
    period: str = Field(description="A year (2024) or a projection span (2024-2034).", examples=["2024-2034"],
                        pattern=r"^\d{4}(-\d{4})?$")
    source: str = Field(description="Who published the figures (provenance).", examples=["OR Employment Department"])
    retrieved_at: datetime = Field(description="When the figures were pulled from the source (RFC 3339 with a time "
                                               "zone).", examples=["2026-11-01T08:00:00Z"])
    employment: Figure | None = Field(default=None, description="Number employed.", examples=[1840])
    projected_employment: Figure | None = Field(default=None, description="Number employed at the end of the span.")
    annual_openings: Figure | None = Field(default=None, description="Job openings a year.", examples=[152])
    growth_percent: Figure | None = Field(default=None, description="Projected growth, in percent.", examples=[11.8])
    median_wage: Figure | None = Field(default=None, description="Median annual wage in US dollars (a number, or "
                                                                 "text such as \"$45,600\").", examples=[89750])
    wage_p10: Figure | None = Field(default=None, description="Annual wage at the 10th percentile.")
    wage_p25: Figure | None = Field(default=None, description="Annual wage at the 25th percentile.")
    wage_p75: Figure | None = Field(default=None, description="Annual wage at the 75th percentile.")
    wage_p90: Figure | None = Field(default=None, description="Annual wage at the 90th percentile.")
    outlook: Literal["Bright", "Average", "Below Average"] | None = Field(default=None,
                                                                         description="The published outlook.")


class TitleLine(BaseModel):
    """One line (NDJSON) or row (CSV, with a header row naming these columns) of ``POST /v1/labor-market/titles``.

    Other fields or columns are ignored.
    """

    scheme: Literal["soc", "naics", "cip"] | None = Field(
        default=None, description="The classification; or give `?scheme=` for lines that name none.",
        examples=["soc"])
    code: str = Field(description="The code in that classification.", examples=["29-1141"])
    title: str = Field(description="The official title.", examples=["Registered Nurses"])
