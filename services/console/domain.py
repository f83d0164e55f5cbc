"""The console's pure rules: who sees which page, and how figures, dates and pages of a list read.

The services decide who may do what; the console only hides what a role may not use (a page a
pegawai cannot use is not in their menu, and asking for it anyway is refused before any call)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from shared.domain.clock import WIB
from shared.domain.identity import Role

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = ("id", "en")


@dataclass(frozen=True)
class Person:
    """The signed-in person, as their token names them (dev sign-in or the city's identity provider)."""

    nip: str
    name: str
    roles: frozenset[Role]
    unit: str | None
    institution: str | None = None

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class Page:
    path: str
    text: str  # key in texts.TEXTS
    roles: frozenset[Role]


def _page(path: str, text: str, *roles: Role) -> Page:
    return Page(path, text, frozenset(roles))


EVERYONE = (Role.EMPLOYEE, Role.SUPERVISOR, Role.UNIT_HEAD, Role.BKPSDM_ADMIN)
# The menu, in the order it is shown; a page is listed for the roles that may use it.
PAGES: tuple[Page, ...] = (
    _page("/me/competencies", "nav.my_competencies", *EVERYONE),
    _page("/me/needs", "nav.my_needs", *EVERYONE),
    _page("/me/seats", "nav.my_seats", *EVERYONE),
    _page("/me/evaluations", "nav.my_evaluations", *EVERYONE),
    _page("/inbox", "nav.inbox", *EVERYONE, Role.PARTNER),
    _page("/team", "nav.team", Role.SUPERVISOR),
    _page("/unit", "nav.unit", Role.UNIT_HEAD),
    _page("/unit/requests", "nav.unit_requests", Role.UNIT_HEAD),
    _page("/unit/skm", "nav.unit_skm", Role.UNIT_HEAD),
    _page("/bkpsdm", "nav.bkpsdm_home", Role.BKPSDM_ADMIN),
    _page("/bkpsdm/needs", "nav.bkpsdm_needs", Role.BKPSDM_ADMIN),
    _page("/bkpsdm/imports", "nav.imports", Role.BKPSDM_ADMIN),
    _page("/bkpsdm/catalogue", "nav.catalogue", Role.BKPSDM_ADMIN),
    _page("/bkpsdm/batches", "nav.bkpsdm_batches", Role.BKPSDM_ADMIN),
    _page("/bkpsdm/requests", "nav.bkpsdm_requests", Role.BKPSDM_ADMIN),
    _page("/bkpsdm/monitoring", "nav.monitoring", Role.BKPSDM_ADMIN),
    _page("/bkpsdm/reports", "nav.reports", Role.BKPSDM_ADMIN),
    _page("/bkpsdm/webhooks", "nav.webhooks", Role.BKPSDM_ADMIN),
    _page("/bkpsdm/privacy", "nav.privacy", Role.BKPSDM_ADMIN),
    _page("/partner/curricula", "nav.partner_curricula", Role.PARTNER, Role.BKPSDM_ADMIN),
    _page("/partner/effectiveness", "nav.partner_effectiveness", Role.PARTNER, Role.BKPSDM_ADMIN),
)


def menu(person: Person) -> list[Page]:
    return [p for p in PAGES if person.has_any(*p.roles)]


def may_open(person: Person, path: str) -> bool:
    """Whether the page at ``path`` (or under it) is one of the person's; pages not in the menu are open."""
    owners = [p for p in PAGES if path == p.path or path.startswith(p.path + "/")]
    # The longest match decides: /bkpsdm/needs belongs to its own entry, not to /bkpsdm.
    owner = max(owners, key=lambda p: len(p.path), default=None)
    return owner is None or person.has_any(*owner.roles)


def home_of(person: Person) -> str:
    """Where a person lands after signing in: their role's own page (BKPSDM's home, the team, the unit),
    else the first page of their menu."""
    pages = menu(person)
    own = [p for p in pages if not set(EVERYONE) <= p.roles]
    return (own or pages)[0].path if pages else "/inbox"


MONTHS: dict[Language, tuple[str, ...]] = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def format_date(day: date | None, language: Language) -> str:
    """15 Januari 2027 (Indonesian) or 15 January 2027."""
    if day is None:
        return "—"
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"


def format_datetime(instant: datetime | None, language: Language) -> str:
    """The moment in Medan (WIB): 15 Januari 2027 14.30 WIB; a naive instant is UTC (as stored)."""
    if instant is None:
        return "—"
    aware = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    local = aware.astimezone(WIB)
    separator = "." if language == "id" else ":"
    return f"{format_date(local.date(), language)} {local.hour:02d}{separator}{local.minute:02d} WIB"


def format_rupiah(amount: float | None) -> str:
    """Rp 2.500.000: the dot groups thousands, as in Indonesia; whole rupiah."""
    if amount is None:
        return "—"
    return "Rp " + f"{round(amount):,}".replace(",", ".")


def format_number(value: float, language: Language, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    if language == "id":  # 1.234,5
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def progress_pct(done: float, target: float) -> int:
    """How far along, 0..100 (a target of zero is met)."""
    if target <= 0:
        return 100
    return max(0, min(100, round(100 * done / target)))


def team_members(
    reports: list[dict[str, Any]],
    needs: list[dict[str, Any]],
    ledgers: list[dict[str, Any]],
    seats: list[dict[str, Any]],
    seats_each: int,
) -> list[dict[str, Any]]:
    """A supervisor's page: each report beside their open needs (a page per report, in the same order),
    JP ledger and latest seats (``seats`` the whole team's, newest first), at most ``seats_each`` each."""
    ledger_of = {ledger["nip"]: ledger for ledger in ledgers}
    seats_of: dict[str, list[dict[str, Any]]] = {}
    for seat in seats:
        held = seats_of.setdefault(seat["nip"], [])
        if len(held) < seats_each:
            held.append(seat)
    members = []
    for employee, open_needs in zip(reports, needs, strict=True):
        ledger = ledger_of.get(employee["nip"])
        if ledger is None:  # no longer their report when the ledgers were read a moment later
            continue
        members.append(
            {
                "employee": employee,
                "needs": open_needs,
                "ledger": ledger,
                "jp_pct": progress_pct(ledger["total_jp"], ledger["minimum_jp"]),
                "seats": seats_of.get(employee["nip"], []),
            }
        )
    return members


@dataclass(frozen=True)
class Pager:
    """One page of a service's paginated list, and where the neighbours start."""

    total: int
    limit: int
    offset: int

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.limit, self.total)

    @property
    def previous(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None

    @property
    def next(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None


def answers_of(
    items: list[dict[str, Any]], one: Callable[[str], str], many: Callable[[str], list[str]]
) -> dict[str, Any]:
    """A questionnaire's answers from its posted form, typed by each item's kind (the service checks the
    ranges and what is required, and says so in its error): Likert and numbers as numbers, barriers as a
    list, texts as given; an item left blank is not sent."""
    answers: dict[str, Any] = {}
    for item in items:
        code, kind = item["code"], item["kind"]
        if kind == "barriers":
            if chosen := many(code):
                answers[code] = chosen
            continue
        value = one(code)
        if not value:
            continue
        if kind == "likert":
            answers[code] = int(value) if value.isdigit() else value
        elif kind == "number":
            answers[code] = parse_number(value)
        else:
            answers[code] = value
    return answers


def parse_number(text: str) -> float | str:
    """A number typed either way (1.234,5 or 1234.5); what is no number goes to the service as typed."""
    cleaned = text.replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return text
    return value if value == value and abs(value) != float("inf") else text


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int
    length: int  # in the chart's units, the longest bar filling the plot


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart drawn as SVG on the server: no chart script runs in the browser."""

    bars: tuple[Bar, ...]
    plot: int
    height: int
    label_width: int = 180
    bar_height: int = 22


def bar_chart(rows: list[tuple[str, float]], plot: int = 300) -> BarChart:
    top = max((v for _, v in rows), default=0)
    bars = tuple(
        Bar(label, value, 6 + i * 30, round(plot * value / top) if top > 0 else 0)
        for i, (label, value) in enumerate(rows)
    )
    return BarChart(bars, plot, 12 + 30 * len(rows))


def open_counts(rows: list[dict[str, Any]], key: str) -> list[tuple[str, float]]:
    """The open needs of each row of a needs recap (a row per competency or source), most first (ties by
    name); rows with none open are left out."""
    counts = [(str(r[key]), float(r["open"])) for r in rows if r["open"]]
    return sorted(counts, key=lambda kv: (-kv[1], kv[0]))


@dataclass(frozen=True)
class LevelFigure:
    """One Kirkpatrick level of a curriculum version on the partner's page: how many answered and the
    level's headline figure, or ``withheld`` when fewer than the minimum answered (no figure is sent)."""

    level: int
    responses: int | None
    figure: str
    withheld: bool


# Each level's headline in an evaluation /analytics/curricula row: the field, its scale (x100 for a rate
# shown as a percentage), decimals and unit.
HEADLINES: dict[int, tuple[str, float, int, str]] = {
    1: ("l1_mean_satisfaction", 1.0, 1, ""),
    2: ("l2_mean_normalised_gain", 1.0, 2, ""),
    3: ("l3_transfer_rate", 100.0, 1, " %"),
    4: ("l4_mean_change_pct", 1.0, 1, " %"),
}


def level_figures(row: Mapping[str, Any], language: Language) -> list[LevelFigure]:
    withheld = set(row.get("withheld_levels") or ())
    shown = []
    for level, (name, scale, decimals, unit) in HEADLINES.items():
        value = row.get(name)
        figure = "—" if value is None else format_number(value * scale, language, decimals) + unit
        shown.append(LevelFigure(level, row.get(f"l{level}_count"), figure, level in withheld))
    return shown
