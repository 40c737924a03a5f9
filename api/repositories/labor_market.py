"""Labour market observations and code titles over asyncpg.

Bulk writes COPY each batch into a temporary table and apply it with one ``INSERT ... ON CONFLICT DO
UPDATE ... WHERE (...) IS DISTINCT FROM (...)``, so identical rows are left alone (and counted unchanged).
Everything happens in the request's transaction: a rejected load leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import asyncpg

from api.domain.bulk import WriteCounts
from api.domain.codes import NaicsCode, SocCode
from api.domain.labor_market import CODE_KIND_TEXT, CodeKind, Observation, OccupationFigures, Outlook
from api.domain.lmi_ingest import CodeTitle, TitleScheme
from api.domain.ports import ObservationFilter, Page, TitledFigures, TitledObservation
from api.repositories._keyset import backwards, keyset_page
from api.repositories.database import fetch_replanned

KEY = ("region", "code_kind", "code", "period", "source")
FIGURES = (
    "retrieved_at", "employment", "projected_employment", "annual_openings", "growth_percent", "median_wage",
    "wage_p10", "wage_p25", "wage_p75", "wage_p90", "outlook",
)
COLUMNS = (*KEY, *FIGURES)
_COLS = ", ".join(COLUMNS)
_O_COLS = ", ".join(f"o.{c}" for c in COLUMNS)

CREATE_OBSERVATION_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS lmi_incoming (
  region text, code_kind text, code text, period text, source text, retrieved_at timestamptz,
  employment integer, projected_employment integer, annual_openings integer, growth_percent float8,
  median_wage float8, wage_p10 float8, wage_p25 float8, wage_p75 float8, wage_p90 float8, outlook text
) ON COMMIT DROP;
TRUNCATE lmi_incoming;
"""
UPSERT_OBSERVATIONS = f"""
WITH written AS (
  INSERT INTO labor_market_observations AS o ({_COLS})
  SELECT {_COLS} FROM lmi_incoming
  ON CONFLICT ({", ".join(KEY)}) DO UPDATE
    SET {", ".join(f"{c} = excluded.{c}" for c in FIGURES)}, updated_at = now()
    WHERE ({", ".join(f"o.{c}" for c in FIGURES)}) IS DISTINCT FROM ({", ".join(f"excluded.{c}" for c in FIGURES)})
  RETURNING (xmax = 0) AS created
)
SELECT count(*) FILTER (WHERE created) AS created, count(*) FILTER (WHERE NOT created) AS updated FROM written
"""
CREATE_TITLE_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS titles_incoming (scheme text, code text, title text, level text) ON COMMIT DROP;
TRUNCATE titles_incoming;
"""
UPSERT_TITLES = """
WITH written AS (
  INSERT INTO code_titles AS t (scheme, code, title, level)
  SELECT scheme, code, title, level FROM titles_incoming
  ON CONFLICT (scheme, code) DO UPDATE SET title = excluded.title, level = excluded.level, updated_at = now()
    WHERE (t.title, t.level) IS DISTINCT FROM (excluded.title, excluded.level)
  RETURNING (xmax = 0) AS created
)
SELECT count(*) FILTER (WHERE created) AS created, count(*) FILTER (WHERE NOT created) AS updated FROM written
"""
LIST_OBSERVATIONS = f"""
SELECT {_O_COLS}, t.title FROM labor_market_observations o
LEFT JOIN code_titles t ON t.scheme = o.code_kind AND t.code = o.code
WHERE ($1::text IS NULL OR o.region = $1) AND ($2::text IS NULL OR o.code_kind = $2)
  AND ($3::text IS NULL OR o.code = $3) AND ($4::text IS NULL OR o.source = $4)
  AND ($5::text IS NULL OR o.period = $5)
  AND ($6::text IS NULL OR (o.region, o.code_kind, o.code, o.period, o.source) > ($6, $7, $8, $9, $10))
ORDER BY o.region, o.code_kind, o.code, o.period, o.source
LIMIT $11
"""
LIST_OBSERVATIONS_BEFORE = backwards(
    LIST_OBSERVATIONS, ("(o.region, o.code_kind, o.code, o.period, o.source) > (",
                        "(o.region, o.code_kind, o.code, o.period, o.source) < ("),
    ("ORDER BY o.region, o.code_kind, o.code, o.period, o.source",
     "ORDER BY o.region DESC, o.code_kind DESC, o.code DESC, o.period DESC, o.source DESC"))
# Occupations (all of them, or those named) and the industries named, in the regions (or everywhere).
OBSERVATIONS_FOR = f"""
SELECT {_O_COLS}, t.title FROM labor_market_observations o
LEFT JOIN code_titles t ON t.scheme = o.code_kind AND t.code = o.code
WHERE ($1::text[] IS NULL OR o.region = any($1::text[]))
  AND ((o.code_kind = 'soc' AND ($2::bool OR o.code = any($3::text[])))
       OR (o.code_kind = 'naics' AND o.code = any($4::text[])))
  AND (NOT $5::bool OR o.annual_openings IS NOT NULL OR o.growth_percent IS NOT NULL)
ORDER BY o.code_kind, o.code, o.region, o.period, o.source
"""
# The columns the training-capacity rule reads, one row per occupation: each array holds one element per
# observation. PostgreSQL's aggregate node advances every aggregate of a group with each input row in turn,
# so element i of every array comes from the same observation (tests/rest/test_labor_market_figures_api.py
# checks it). An ORDER BY inside each aggregate would say so explicitly, but doubles the statement's time
# (a sort of every row, on disk at the default work_mem, instead of reading the code index in order).
# Observations with neither openings nor growth are left out: no rule reads them. Two statements rather
# than one with an "all or these" switch, so that each gets a plan of its own.
# An occupation's figures usually come from one load, retrieved at one instant: then only that instant is
# sent (``latest``, with ``retrieved_at`` null) and every row carries it. asyncpg decodes a timestamp far more
# slowly than a text or a number (bench/README.md item 18);
# the same for periods and sources would cost PostgreSQL (min and max of text) what it saves here.
# Regions, periods and sources usually repeat from one occupation to the next (a state's load has the same
# regions, period and source for every occupation): a column equal to the previous occupation's (in the order
# sent) is sent as null, and the client reuses the previous one: decoding the repeated texts cost the client
# far more than comparing the arrays costs PostgreSQL (bench/README.md item 21). (array_agg never
# answers null for a group, so null means only "the same as before"; compared byte for byte, in "C".)
_OCCUPATION_FIGURES = """
SELECT g.code, t.title,
  CASE WHEN g.regions COLLATE "C" = lag(g.regions) OVER w THEN NULL ELSE g.regions END AS regions,
  CASE WHEN g.periods COLLATE "C" = lag(g.periods) OVER w THEN NULL ELSE g.periods END AS periods,
  CASE WHEN g.sources COLLATE "C" = lag(g.sources) OVER w THEN NULL ELSE g.sources END AS sources,
  g.retrieved_at, g.latest, g.annual_openings, g.growth_percent
FROM (
  SELECT o.code, array_agg(o.region) AS regions, array_agg(o.period) AS periods, array_agg(o.source) AS sources,
    CASE WHEN min(o.retrieved_at) = max(o.retrieved_at) THEN NULL ELSE array_agg(o.retrieved_at) END
      AS retrieved_at, max(o.retrieved_at) AS latest,
    array_agg(o.annual_openings) AS annual_openings, array_agg(o.growth_percent) AS growth_percent
  FROM labor_market_observations o
  WHERE o.code_kind = 'soc' AND o.region = any($1::text[]) {codes}
    AND (o.annual_openings IS NOT NULL OR o.growth_percent IS NOT NULL)
  GROUP BY o.code
) g
LEFT JOIN code_titles t ON t.scheme = 'soc' AND t.code = g.code
WINDOW w AS (ORDER BY g.code)
ORDER BY g.code
"""
ALL_OCCUPATION_FIGURES = _OCCUPATION_FIGURES.format(codes="")
NAMED_OCCUPATION_FIGURES = _OCCUPATION_FIGURES.format(codes="AND o.code = any($2::text[])")
LIST_TITLES = """
SELECT scheme, code, title, level FROM code_titles
WHERE scheme = $1 AND ($2::text IS NULL OR title ILIKE '%' || $2 || '%' OR code LIKE $2 || '%')
  AND ($3::text IS NULL OR level = $3) AND ($4::text IS NULL OR code > $4)
ORDER BY code LIMIT $5
"""
LIST_TITLES_BEFORE = backwards(LIST_TITLES, ("code > $4", "code < $4"), ("ORDER BY code", "ORDER BY code DESC"))


def _observation(r: Mapping[str, Any], codes: dict[tuple[str, str], SocCode | NaicsCode] | None = None) -> Observation:
    key = (r["code_kind"], r["code"])
    code = codes.get(key) if codes is not None else None
    if code is None:
        code = SocCode(value=r["code"]) if CodeKind(key[0]) is CodeKind.SOC else NaicsCode(value=r["code"])
        if codes is not None:
            codes[key] = code
    return Observation(
        region=r["region"], code=code, period=r["period"], source=r["source"], retrieved_at=r["retrieved_at"],
        employment=r["employment"], projected_employment=r["projected_employment"],
        annual_openings=r["annual_openings"], growth_percent=r["growth_percent"], median_wage=r["median_wage"],
        wage_p10=r["wage_p10"], wage_p25=r["wage_p25"], wage_p75=r["wage_p75"], wage_p90=r["wage_p90"],
        outlook=Outlook(r["outlook"]) if r["outlook"] else None,
    )


# The text stored for an outlook, looked up rather than read through the enum's ``value`` property (as
# ``CODE_KIND_TEXT`` does for the code kind).
_OUTLOOK_TEXT: dict[Outlook | None, str | None] = {None: None, **{o: o.value for o in Outlook}}


def _record(o: Observation) -> tuple[Any, ...]:
    code = o.code
    return (
        o.region, CODE_KIND_TEXT.get(type(code)) or o.code_kind.value, code.value, o.period, o.source, o.retrieved_at,
        o.employment, o.projected_employment, o.annual_openings, o.growth_percent, o.median_wage, o.wage_p10,
        o.wage_p25, o.wage_p75, o.wage_p90, _OUTLOOK_TEXT[o.outlook],
    )


def _occupations(rows: list[asyncpg.Record]) -> list[TitledFigures]:
    """Map the rows of _OCCUPATION_FIGURES, emptying ``rows``.

    A state's occupations repeat the regions, periods, sources and retrieval time of the one before, and
    the garbage collector walks every element of every young record and copy (bench/README.md item 18). So
    each record is let go once mapped, and a column
    equal to the previous occupation's is that one's tuple, not a new one (the statement sends the text
    columns as null when they are).
    """
    rows.reverse()
    out: list[TitledFigures] = []
    texts: list[tuple[str, ...]] = [(), (), ()]
    last_stamps: object = None
    kept_stamps: tuple[datetime, ...] = ()
    while rows:
        code, title, regions, periods, sources, stamps, latest, openings, growth = rows.pop()
        for i, column in enumerate((regions, periods, sources)):
            if column is not None:  # null: the previous occupation's
                texts[i] = tuple(column)
        # ``stamps`` is null when every row was retrieved at ``latest``. asyncpg decodes every timestamp in UTC,
        # so equal ones are interchangeable.
        rows_of = len(texts[0])
        key = (rows_of, latest) if stamps is None else stamps
        if key != last_stamps:
            last_stamps, kept_stamps = key, (latest,) * rows_of if stamps is None else tuple(stamps)
        out.append((OccupationFigures(code=_soc_code(code), regions=texts[0], periods=texts[1], sources=texts[2],
                                      retrieved_at=kept_stamps, annual_openings=tuple(openings),
                                      growth_percent=tuple(growth)), title))
    return out


@lru_cache(maxsize=4096)
def _soc_code(value: str) -> SocCode:
    # Stored codes were validated on the way in; a state's 800 occupations recur in every gap analysis.
    return SocCode(value=value)


def _title(r: Mapping[str, Any]) -> CodeTitle:
    return CodeTitle(scheme=TitleScheme(r["scheme"]), code=r["code"], title=r["title"], level=r["level"])


def _counts(row: Mapping[str, Any] | None, rows: int) -> WriteCounts:
    assert row is not None
    created, updated = int(row["created"]), int(row["updated"])
    return WriteCounts(created=created, updated=updated, unchanged=rows - created - updated)


class PgLaborMarketRepository:
    """Observations and titles, bound to one connection (bulk writes need the write unit of work's)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def upsert_observations(self, batch: Sequence[Observation]) -> WriteCounts:
        """Write a batch whose keys are distinct (ON CONFLICT cannot touch one row twice)."""
        if not batch:
            return WriteCounts()
        await self._conn.execute(CREATE_OBSERVATION_STAGE)
        await self._conn.copy_records_to_table("lmi_incoming", records=[_record(o) for o in batch], columns=COLUMNS)
        return _counts(await self._conn.fetchrow(UPSERT_OBSERVATIONS), len(batch))

    async def upsert_titles(self, batch: Sequence[CodeTitle]) -> WriteCounts:
        """Write a batch of titles whose (scheme, code) are distinct."""
        if not batch:
            return WriteCounts()
        await self._conn.execute(CREATE_TITLE_STAGE)
        await self._conn.copy_records_to_table(
            "titles_incoming", records=[(t.scheme.value, t.code, t.title, t.level) for t in batch],
            columns=("scheme", "code", "title", "level"),
        )
        return _counts(await self._conn.fetchrow(UPSERT_TITLES), len(batch))

    async def list_observations(
        self, flt: ObservationFilter, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
    ) -> Page[TitledObservation]:
        last = list(after) if after else [None] * 5
        rows = await self._conn.fetch(LIST_OBSERVATIONS_BEFORE if backward else LIST_OBSERVATIONS, flt.region,
                                      flt.code_kind, flt.code, flt.source, flt.period, *last, limit + 1)
        return keyset_page(rows, limit, backward=backward, key=lambda r: tuple(r[c] for c in KEY),
                           item=lambda r: (_observation(r), r["title"]))

    async def observations_for(
        self, *, regions: Sequence[str] | None, occupations: Sequence[str] | None, industries: Sequence[str] = (),
        demand_only: bool = False,
    ) -> list[TitledObservation]:
        rows = await self._conn.fetch(
            OBSERVATIONS_FOR, list(regions) if regions is not None else None, occupations is None,
            list(occupations or ()), list(industries), demand_only,
        )
        # One code object per distinct code: a state's figures repeat each code in every region and period.
        codes: dict[tuple[str, str], SocCode | NaicsCode] = {}
        return [(_observation(r, codes), r["title"]) for r in rows]

    async def occupation_figures(
        self, *, regions: Sequence[str], occupations: Sequence[str] | None
    ) -> list[TitledFigures]:
        if occupations is None:
            rows = await fetch_replanned(self._conn, ALL_OCCUPATION_FIGURES, list(regions))
        else:
            rows = await fetch_replanned(self._conn, NAMED_OCCUPATION_FIGURES, list(regions), list(occupations))
        return _occupations(rows)

    async def titles(
        self, scheme: str, *, q: str | None, level: str | None, limit: int, after: str | None,
        backward: bool = False,
    ) -> Page[CodeTitle]:
        pattern = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") if q else None
        rows = await self._conn.fetch(LIST_TITLES_BEFORE if backward else LIST_TITLES, scheme, pattern, level, after,
                                      limit + 1)
        return keyset_page(rows, limit, backward=backward, key=lambda r: (r["code"],), item=_title)
