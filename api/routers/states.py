"""REST routes of the statewide roll-up: a state's systems side by side, as JSON, CSV or a bar chart."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from api.deps import ReadUowDep, SettingsDep
from api.domain.states import FunctionStatus, StateOverview
from api.problems import responses
from api.rendering.charts import stacked_bar_chart_svg
from api.schemas.states import StateOverviewCsvRow, StateOverviewOut
from api.usecases import states as uc

router = APIRouter(tags=["states"])
CSV = "text/csv"
SVG = "image/svg+xml"
CSV_COLUMNS = tuple(StateOverviewCsvRow.model_fields)
CSV_DESCRIPTION = (
    "One row per cell, for spreadsheets (pivot on section and local_area; `statewide` is the state's own systems): "
    "`function` rows give a core function's `status` (led, supported_only, unled) and in `count` the area's "
    "systems that do not lead it; `population` rows `served`/`unserved` and in `count` the systems that target it "
    "without serving it; `gaps` rows a gap kind (`code`), its severity (`status`) and `count`; `readiness` rows an "
    "element, its phase (`status`), the systems scored (`count`) and the mean on the 1-4 scale (`value`); "
    "`agreement` rows an agreement id and title, why it is listed (`status`) and its expiry date (`value`)."
)
OVERVIEW_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The roll-up: JSON, or CSV when the request's Accept header prefers text/csv",
          "content": {CSV: {"schema": {"type": "string"}, "example": ",".join(CSV_COLUMNS) + "\n"
                            "function,or-brightwater,engage_employers,Engage employers,led,0,\n"}}},
}
CHART_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Stacked bars: per area, how many core functions are led, supported only, or unled",
          "content": {SVG: {"schema": {"type": "string"}}}},
}
State = Annotated[str, Path(description="The state's USPS code, upper case (e.g. OR)", min_length=2, max_length=2,
                            examples=["OR"])]


def _wants_csv(request: Request) -> bool:
    """Whether the Accept header asks for text/csv: named with a positive q, and ranked above JSON when it also
    names JSON (wildcards alone never choose CSV)."""
    weights: dict[str, float] = {}
    for part in request.headers.get("accept", "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[media.lower()] = max(weights.get(media.lower(), 0.0), q)
    csv_q = weights.get(CSV, 0.0)
    return csv_q > 0 and csv_q > weights.get("application/json", 0.0)


def overview_csv(o: StateOverview) -> str:
    """Write the roll-up as one CSV row per cell (the columns of ``CSV_COLUMNS``)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for a in o.areas:
        for f in a.functions:
            w.writerow(("function", a.label, f.function, f.name, f.status.value,
                        f.systems_unled + f.systems_supported_only, ""))
        for p in a.populations:
            w.writerow(("population", a.label, p.population, "", "served" if p.served else "unserved",
                        p.systems_unserved, ""))
        for g in a.gap_counts:
            w.writerow(("gaps", a.label, g.kind.value, "", g.severity.value, g.count, ""))
        for e in a.readiness:
            w.writerow(("readiness", a.label, e.code, e.name, e.phase.label if e.phase else "insufficient data",
                        e.systems_scored, f"{e.mean:.2f}" if e.mean is not None else ""))
        for d in a.agreements:
            w.writerow(("agreement", a.label, str(d.agreement_id), d.title, d.state.value, "",
                        d.expires_on.isoformat() if d.expires_on else ""))
    return out.getvalue()


async def _overview(state: str, uow: ReadUowDep, settings: SettingsDep) -> StateOverview:
    return await uc.overview(uow, state=state, expiry_window_days=settings.agreement_expiry_window_days,
                             staff_period_months=settings.staff_training_period_months)


@router.get("/v1/states/{state}/overview", response_model=StateOverviewOut,
            responses={**OVERVIEW_RESPONSES, **responses(404, 422)}, description=(
                "For a state agency: every system of the state the key may see, grouped by local area, judged by "
                "the same rules as each system's own reports. Core functions by area (led, supported only, "
                "unled), target populations served or not, gap counts by kind and severity, readiness by element "
                "from each system's latest closed round, and agreements expired, past review or expiring. "
                "Send `Accept: text/csv` for a spreadsheet. " + CSV_DESCRIPTION))
async def state_overview(
    state: State, request: Request, uow: ReadUowDep, settings: SettingsDep
) -> StateOverviewOut | Response:
    """A state's systems side by side, by local area."""
    found = await _overview(state, uow, settings)
    if _wants_csv(request):
        return Response(content=overview_csv(found), media_type=f"{CSV}; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{state}-overview.csv"'})
    return StateOverviewOut.of(found)


@router.get("/v1/states/{state}/overview/chart.svg", response_class=Response,
            responses={**CHART_RESPONSES, **responses(404, 422)})
async def state_overview_chart(state: State, uow: ReadUowDep, settings: SettingsDep) -> Response:
    """A self-contained SVG bar chart of the roll-up: core functions led, supported only and unled, by area."""
    found = await _overview(state, uow, settings)
    areas = [a.label for a in found.areas]
    series = [
        (words, [sum(1 for f in a.functions if f.status is status) for a in found.areas])
        for words, status in (("led", FunctionStatus.LED), ("supported only", FunctionStatus.SUPPORTED_ONLY),
                              ("unled", FunctionStatus.UNLED))
    ]
    svg = stacked_bar_chart_svg(areas, series, f"Core functions by local area, {state}, {found.as_of.isoformat()}")
    return Response(content=svg, media_type=SVG)
