"""Pull occupation figures from CareerOneStop and push them into Pathways as labour market observations.

A client script, standalone on purpose (it imports nothing from the service): it shows what an LMI job
does with a CareerOneStop occupation response before our API sees it.

    export PATHWAYS_API_URL=http://127.0.0.1:8000 PATHWAYS_API_KEY=pw_...   # a key with the lmi:write scope
    export CAREERONESTOP_USER_ID=... CAREERONESTOP_TOKEN=...
    python examples/pull_lmi.py --region or-brightwater --location OR 29-1141 51-4121

``--from-file response.json`` reads a saved response instead of calling CareerOneStop.

What the normalization does:

- numbers arrive as text with thousands separators ("41,230", "$86,070", "9%"; "N/A" or "*" when
  suppressed) and leave as JSON numbers (or are left out);
- wages come as rows with ``RateType`` Annual or Hourly; the Annual row is used (an Hourly row only when
  no Annual one exists, times 2,080 hours); regional (BLS area) rows beat state rows, state rows beat
  national ones;
- projections become one observation for the projection period ("2022-2032") and wages another for the
  wage year ("2023"), so each figure keeps the period it belongs to.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

SOURCE = "careeronestop"
CAREERONESTOP_URL = "https://api.careeronestop.org"
HOURS_A_YEAR = 2080
_NUMBER = re.compile(r"[+-]?\$?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?%?")
_SUPPRESSED = {"", "n/a", "na", "-", "--", "*", "**", "#", "null", "none"}
_WAGE_FIELDS = {"Median": "median_wage", "Pct10": "wage_p10", "Pct25": "wage_p25", "Pct75": "wage_p75",
                "Pct90": "wage_p90"}


def parse_number(text: object) -> int | float | None:
    """Read "41,230", "$86,070.50", "9%" or a JSON number; None for blanks and suppression marks."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return text
    cleaned = str(text).strip()
    if cleaned.lower() in _SUPPRESSED:
        return None
    if not _NUMBER.fullmatch(cleaned) or not any(c.isdigit() for c in cleaned):
        raise ValueError(f"'{text}' is not a number")
    digits = cleaned.replace("$", "").replace(",", "").replace("%", "")
    return float(digits) if "." in digits else int(digits)


def _annual_wages(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    annual = [r for r in rows if str(r.get("RateType", "")).lower() == "annual"]
    hourly = [r for r in rows if str(r.get("RateType", "")).lower() == "hourly"]
    row, factor = (annual[0], 1) if annual else (hourly[0], HOURS_A_YEAR) if hourly else ({}, 1)
    out: dict[str, float] = {}
    for name, field in _WAGE_FIELDS.items():
        value = parse_number(row.get(name))
        if value is not None:
            out[field] = round(float(value) * factor, 2)
    return out


def _pick(rows: Sequence[Mapping[str, Any]], stfips: str | None) -> Mapping[str, Any] | None:
    """The row of the state asked for (by FIPS code), or the only row there is."""
    if stfips:
        for row in rows:
            if str(row.get("Stfips") or row.get("StFips") or "").zfill(2) == stfips.zfill(2):
                return row
    return rows[0] if len(rows) == 1 else None


def observations_from_response(
    payload: Mapping[str, Any], *, region: str, retrieved_at: datetime, stfips: str | None = None,
    source: str = SOURCE,
) -> list[dict[str, Any]]:
    """Turn a CareerOneStop occupation response into observation records for one of our regions."""
    out: list[dict[str, Any]] = []
    stamp = retrieved_at.isoformat()
    for detail in payload.get("OccupationDetail") or []:
        soc = (detail.get("SocInfo") or {}).get("SocCode") or str(detail.get("OnetCode", ""))[:7]
        base = {"region": region, "code_kind": "soc", "code": soc, "source": source, "retrieved_at": stamp}
        projections = detail.get("Projections") or {}
        row = _pick(projections.get("Projections") or [], stfips)
        if row is not None and projections.get("EstimatedYear") and projections.get("ProjectedYear"):
            figures = {
                "employment": parse_number(row.get("EstimatedEmployment")),
                "projected_employment": parse_number(row.get("ProjectedEmployment")),
                "growth_percent": parse_number(row.get("PerCentChange")),
                "annual_openings": parse_number(row.get("ProjectedAnnualJobOpening")),
            }
            record = {**base, "period": f"{projections['EstimatedYear']}-{projections['ProjectedYear']}",
                      **{k: v for k, v in figures.items() if v is not None}}
            if detail.get("BrightOutlook"):
                record["outlook"] = detail["BrightOutlook"]
            out.append(record)
        wages = detail.get("Wages") or {}
        for rows_name in ("BLSAreaWagesList", "StateWagesList", "NationalWagesList"):
            rows = wages.get(rows_name) or []
            if rows_name == "StateWagesList" and stfips:
                rows = [r for r in rows if str(r.get("StFips", "")).zfill(2) == stfips.zfill(2)] or rows
            figures = _annual_wages(rows)
            if figures and wages.get("WageYear"):
                out.append({**base, "period": str(wages["WageYear"]), **figures})
                break
    return out


async def fetch_occupation(client: httpx.AsyncClient, *, user_id: str, token: str, keyword: str,
                           location: str) -> dict[str, Any]:
    """GET one occupation's details with wages and projections from CareerOneStop."""
    response = await client.get(
        f"/v1/occupation/{user_id}/{keyword}/{location}",
        params={"wages": "true", "projectedEmployment": "true", "training": "false", "videos": "false",
                "tasks": "false", "enableMetaData": "false"},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


async def _ndjson(records: Iterable[Mapping[str, Any]]) -> AsyncIterator[bytes]:
    for record in records:
        yield json.dumps(record, separators=(",", ":")).encode() + b"\n"


async def push(client: httpx.AsyncClient, records: Sequence[Mapping[str, Any]], *, api_key: str,
               skip_invalid: bool = False) -> dict[str, Any]:
    """Stream the records to Pathways as NDJSON and return its report (raises on a problem response)."""
    response = await client.post(
        "/v1/labor-market/observations", content=_ndjson(records),
        params={"on_error": "skip" if skip_invalid else "reject"},
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/x-ndjson"},
    )
    if response.status_code >= 400:
        raise RuntimeError(f"Pathways refused the load ({response.status_code}): {response.text}")
    report: dict[str, Any] = response.json()
    return report


STATE_FIPS = {"AL": "01", "AK": "02", "AZ": "04", "AR": "05", "CA": "06", "CO": "08", "CT": "09", "DE": "10",
              "DC": "11", "FL": "12", "GA": "13", "HI": "15", "ID": "16", "IL": "17", "IN": "18", "IA": "19",
              "KS": "20", "KY": "21", "LA": "22", "ME": "23", "MD": "24", "MA": "25", "MI": "26", "MN": "27",
              "MS": "28", "MO": "29", "MT": "30", "NE": "31", "NV": "32", "NH": "33", "NJ": "34", "NM": "35",
              "NY": "36", "NC": "37", "ND": "38", "OH": "39", "OK": "40", "OR": "41", "PA": "42", "RI": "44",
              "SC": "45", "SD": "46", "TN": "47", "TX": "48", "UT": "49", "VT": "50", "VA": "51", "WA": "53",
              "WV": "54", "WI": "55", "WY": "56", "PR": "72"}


async def run(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None,
              source_transport: httpx.AsyncBaseTransport | None = None,
              api_transport: httpx.AsyncBaseTransport | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Pull the occupations named in ``argv`` and push them; the transports let tests run without a network."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("occupations", nargs="*", help="SOC or O*NET-SOC codes (or keywords) to pull")
    parser.add_argument("--region", required=True, help="the Pathways region code the figures are for")
    parser.add_argument("--location", default="US", help="CareerOneStop location: a state (OR), ZIP, or US")
    parser.add_argument("--from-file", action="append", default=[], help="a saved CareerOneStop response")
    parser.add_argument("--skip-invalid", action="store_true", help="apply the valid lines if some are invalid")
    args = parser.parse_args(argv)
    env = os.environ if environ is None else environ
    retrieved_at = now or datetime.now(UTC)
    stfips = STATE_FIPS.get(args.location.upper())
    payloads = [json.loads(await asyncio.to_thread(Path(p).read_text, encoding="utf-8")) for p in args.from_file]
    if args.occupations:
        async with httpx.AsyncClient(base_url=env.get("CAREERONESTOP_URL", CAREERONESTOP_URL),
                                     transport=source_transport, timeout=30) as source:
            for keyword in args.occupations:
                payloads.append(await fetch_occupation(
                    source, user_id=env["CAREERONESTOP_USER_ID"], token=env["CAREERONESTOP_TOKEN"],
                    keyword=keyword, location=args.location))
    records = [r for p in payloads for r in observations_from_response(p, region=args.region, stfips=stfips,
                                                                          retrieved_at=retrieved_at)]
    async with httpx.AsyncClient(base_url=env.get("PATHWAYS_API_URL", "http://127.0.0.1:8000"),
                                 transport=api_transport, timeout=300) as api:
        return await push(api, records, api_key=env["PATHWAYS_API_KEY"], skip_invalid=args.skip_invalid)


def main() -> int:
    """Run from the command line and print the report."""
    try:
        report = asyncio.run(run())
    except (RuntimeError, httpx.HTTPError, KeyError, ValueError) as exc:
        print(f"pull_lmi: {exc!r}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
