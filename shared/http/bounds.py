"""Bounded numbers and dates for request models and query parameters, named once.

Every number and date a caller sends is bounded before a route runs: an unbounded value reaches code
and storage that cannot hold it (``1e999`` is infinity, which JSON cannot carry in an event and the
budget arithmetic turns into NaN; ``10**20`` passes MongoDB's 64-bit integers; a date in year 1 with a
zone east of UTC overflows on conversion) and answered 500. Each type also publishes its bounds in the
OpenAPI document (``minimum``/``maximum``, and ``formatMinimum``/``formatMaximum`` for dates), which
``tests/unit/test_request_bounds.py`` requires of every field of every request model.

Use these instead of a bare ``int``, ``float``, ``date`` or ``datetime`` in anything a request carries;
a field whose domain is narrower keeps its own ``Field(ge=..., le=...)`` (levels 1-5, percentages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from shared.domain.vocabulary import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR

# Far inside MongoDB's 64-bit integers (9.2e18) and exact as a float (below 2**53 = 9.0e15).
MAX_INTEGER = 10**15
# Rupiah: one quadrillion, orders of magnitude above a city's yearly budget, exact as a float.
MAX_RUPIAH = 10**15
# People in one phase, batch plan or survey: more than Medan's whole population (about 2.5 million).
MAX_PEOPLE = 10_000_000
# A measured quantity in its own unit (an SKP target, an indicator): finite and far from float limits.
MAX_MEASURE = 10**12


@dataclass(frozen=True)
class Within:
    """A date (or the day a moment names, in its own zone) from ``first`` to ``last`` inclusive.

    The day is compared as given, never converted to another zone first: a far-off moment cannot be."""

    first: date
    last: date

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler(schema)
        if json_schema.get("format") == "date-time":
            # The earliest and latest instants whose own day is in range (zones run from -12:00 to +14:00).
            json_schema |= {
                "formatMinimum": f"{self.first.isoformat()}T00:00:00+14:00",
                "formatMaximum": f"{self.last.isoformat()}T23:59:59.999999-12:00",
            }
        else:
            json_schema |= {"formatMinimum": self.first.isoformat(), "formatMaximum": self.last.isoformat()}
        return json_schema

    def _check(self, value: date) -> date:
        day = value.date() if isinstance(value, datetime) else value
        if not self.first <= day <= self.last:
            raise ValueError(f"must be from {self.first.isoformat()} to {self.last.isoformat()}")
        return value


# Any calendar day a person's records may name (a birth date, a document's date).
ANY_DAY = Within(date(1900, 1, 1), date(2100, 12, 31))
# Days the system plans for and reports on: within its fiscal years (shared.domain.vocabulary).
FISCAL_DAY = Within(date(FIRST_FISCAL_YEAR, 1, 1), date(LAST_FISCAL_YEAR, 12, 31))

BoundedDate = Annotated[date, ANY_DAY]
PlanningDate = Annotated[date, FISCAL_DAY]
# A moment to filter or judge by (audit periods, retention runs).
Moment = Annotated[datetime, FISCAL_DAY]

Count = Annotated[int, Field(ge=0, le=MAX_INTEGER)]
People = Annotated[int, Field(ge=1, le=MAX_PEOPLE)]
Rupiah = Annotated[float, Field(ge=0, le=MAX_RUPIAH, allow_inf_nan=False)]
Measure = Annotated[float, Field(ge=-MAX_MEASURE, le=MAX_MEASURE, allow_inf_nan=False)]
PositiveMeasure = Annotated[float, Field(gt=0, le=MAX_MEASURE, allow_inf_nan=False)]
NonNegativeMeasure = Annotated[float, Field(ge=0, le=MAX_MEASURE, allow_inf_nan=False)]
# Competency levels run from 1 to 5 (PermenPANRB 38/2017: Paham .. Ahli).
CompetencyLevel = Annotated[int, Field(ge=1, le=5)]
FiscalYearNumber = Annotated[int, Field(ge=FIRST_FISCAL_YEAR, le=LAST_FISCAL_YEAR)]
