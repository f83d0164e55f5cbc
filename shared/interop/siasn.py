"""A completed programme as a SIASN (BKN) training-history entry: riwayat kursus (``POST /kursus/save``) or
riwayat diklat (``POST /diklat/save``), with the field names and reference codes SIASN uses.

Pure: the completion, the editable form-to-code table and the agency's SIASN ids in, a body out. SIASN's
spelling is kept on purpose, quirks included (``nomorSertipikat`` when posting, ``noSertipikat`` when
reading; dates as dd-mm-yyyy; reference ids as strings, hours and years as integers). Sources: the public
community clients kanekescom/laravel-siasn-simpeg-api (request bodies) and black-coffee04/ws-siasn-php
(reference tables); BKN's own documentation needs credentials and was not available.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.events.common import DevelopmentForm
from shared.events.training import ProgramCompleted

Riwayat = Literal["kursus", "diklat"]
SAVE_PATHS: dict[Riwayat, str] = {"kursus": "/kursus/save", "diklat": "/diklat/save"}
# What a successful save returns SIASN's new id under, in ``mapData``.
ID_KEYS: dict[Riwayat, str] = {"kursus": "rwKursusId", "diklat": "rwDiklatId"}
# The history a person's entries are read back from, and the field the certificate number is read under.
HISTORY_PATHS: dict[Riwayat, str] = {"kursus": "/pns/rw-kursus/{nip}", "diklat": "/pns/rw-diklat/{nip}"}
READ_CERTIFICATE_KEYS: dict[Riwayat, str] = {"kursus": "noSertipikat", "diklat": "nomor"}
POST_CERTIFICATE_KEYS: dict[Riwayat, str] = {"kursus": "nomorSertipikat", "diklat": "nomor"}

DEFAULT_TABLE = "siasn_jenis_diklat.json"


class InvalidTable(ValueError):
    """The form-to-code table cannot be used; the message says which rule and why."""


def siasn_date(day: date) -> str:
    """SIASN writes dates as dd-mm-yyyy."""
    return day.strftime("%d-%m-%Y")


@dataclass(frozen=True)
class Reference:
    """SIASN's reference tables: jenis diklat (with the certificate kind each implies) and latihan
    struktural (``data/siasn_referensi.json``)."""

    jenis_diklat: dict[str, tuple[str, str]]
    latihan_struktural: dict[str, str]

    @classmethod
    def bundled(cls) -> Reference:
        return _bundled_reference()


@cache
def _bundled_reference() -> Reference:
    raw = json.loads((resources.files("shared.interop") / "data" / "siasn_referensi.json").read_text("utf-8"))
    return Reference(
        jenis_diklat={row["id"]: (row["nama"], row["jenisKursusSertipikat"]) for row in raw["jenisDiklat"]},
        latihan_struktural={row["id"]: row["nama"] for row in raw["latihanStruktural"]},
    )


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    program_code_prefix: str | None = Field(default=None, min_length=1)
    form: DevelopmentForm | None = None
    competency_prefix: str | None = Field(default=None, min_length=1)

    def holds(self, completion: ProgramCompleted) -> bool:
        return (
            (self.program_code_prefix is None or completion.program_code.startswith(self.program_code_prefix))
            and (self.form is None or completion.form is self.form)
            and (
                self.competency_prefix is None
                or any(c.code.startswith(self.competency_prefix) for c in completion.competencies)
            )
        )


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    match: Match
    riwayat: Riwayat
    jenis_diklat_id: str | None = Field(default=None, alias="jenisDiklatId")
    jenis_kursus: str = Field(default="", alias="jenisKursus")
    latihan_struktural_id: str | None = Field(default=None, alias="latihanStrukturalId")
    jenis_kompetensi: str = Field(default="", alias="jenisKompetensi")
    note: str = ""

    @model_validator(mode="after")
    def _one_code_for_its_riwayat(self) -> Rule:
        if self.riwayat == "kursus" and (self.jenis_diklat_id is None or self.latihan_struktural_id is not None):
            raise ValueError("a kursus rule names jenisDiklatId (and no latihanStrukturalId)")
        if self.riwayat == "diklat" and (self.latihan_struktural_id is None or self.jenis_diklat_id is not None):
            raise ValueError("a diklat rule names latihanStrukturalId (and no jenisDiklatId)")
        return self


class _TableFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    about: str = ""
    rules: list[Rule] = Field(min_length=1)


@dataclass(frozen=True)
class JenisDiklatTable:
    """The ordered rules that route a completion to kursus or diklat and give its SIASN code. Loaded and
    checked as a whole: a table with an unknown code or a form no rule reaches is refused, so an edit by
    BKPSDM cannot leave a completion without a SIASN entry."""

    rules: tuple[Rule, ...]
    reference: Reference

    @classmethod
    def parse(cls, text: str, reference: Reference | None = None) -> JenisDiklatTable:
        reference = reference or Reference.bundled()
        try:
            parsed = _TableFile.model_validate_json(text)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise InvalidTable(f"the table is not valid: {problems}") from exc
        for n, rule in enumerate(parsed.rules):
            if rule.jenis_diklat_id is not None and rule.jenis_diklat_id not in reference.jenis_diklat:
                raise InvalidTable(f"rules.{n}: jenisDiklatId {rule.jenis_diklat_id!r} is not in SIASN's reference")
            if (
                rule.latihan_struktural_id is not None
                and rule.latihan_struktural_id not in reference.latihan_struktural
            ):
                raise InvalidTable(
                    f"rules.{n}: latihanStrukturalId {rule.latihan_struktural_id!r} is not in SIASN's reference"
                )
        unreached = [
            f.value for f in DevelopmentForm if not any(r.match.form in (None, f) and _general(r) for r in parsed.rules)
        ]
        if unreached:
            raise InvalidTable(f"no rule covers every programme of the form(s): {', '.join(unreached)}")
        return cls(tuple(parsed.rules), reference)

    @classmethod
    def load(cls, path: Path | None = None) -> JenisDiklatTable:
        """``path``: BKPSDM's edited table; none: the bundled default."""
        if path is None:
            return cls.parse((resources.files("shared.interop") / "data" / DEFAULT_TABLE).read_text("utf-8"))
        return cls.parse(path.read_text("utf-8"))

    def rule_for(self, completion: ProgramCompleted) -> Rule:
        # parse() proved a general rule for every form, so a rule always matches.
        return next(rule for rule in self.rules if rule.match.holds(completion))


def _general(rule: Rule) -> bool:
    """A rule that catches every programme of its form (no code or competency condition)."""
    return rule.match.program_code_prefix is None and rule.match.competency_prefix is None


@dataclass(frozen=True)
class Agency:
    """What SIASN knows the agency and its place by: ``instansiId`` (Pemerintah Kota Medan's id in SIASN's
    instansi reference) and ``lokasiId`` (where its training takes place), plus the organiser named when
    the programme's own provider is not known."""

    instansi_id: str
    lokasi_id: str
    default_penyelenggara: str = "BKPSDM Kota Medan"


@dataclass(frozen=True)
class SiasnItem:
    """One training-history entry for SIASN. ``body`` is exactly what is posted (SIASN's field names);
    ``pnsOrangId`` is empty until the sync client looks it up (``GET /pns/data-utama/{nip}``)."""

    reference: str
    nip: str
    unit_code: str
    completed_on: date
    riwayat: Riwayat
    body: dict[str, Any]

    @property
    def save_path(self) -> str:
        return SAVE_PATHS[self.riwayat]

    @property
    def certificate(self) -> str:
        return str(self.body[POST_CERTIFICATE_KEYS[self.riwayat]])


def map_completion(
    completion: ProgramCompleted,
    *,
    table: JenisDiklatTable,
    agency: Agency,
    penyelenggara: str | None = None,
    pns_orang_id: str = "",
) -> SiasnItem:
    """The SIASN entry for one completion. ``jumlahJam`` carries the JP unchanged, not clock hours: the
    yearly minimum it is counted against is in JP (PP 11/2017 Pasal 203 ayat (4); 1 JP = 45 minutes,
    PerLAN 10/2018). Check with BKN once credentials exist."""
    rule = table.rule_for(completion)
    organiser = penyelenggara or agency.default_penyelenggara
    start, end = siasn_date(completion.started_on), siasn_date(completion.completed_on)
    body: dict[str, Any]
    if rule.riwayat == "kursus":
        assert rule.jenis_diklat_id is not None
        body = {
            "id": None,
            "instansiId": agency.instansi_id,
            "institusiPenyelenggara": organiser,
            "jenisDiklatId": rule.jenis_diklat_id,
            "jenisKursus": rule.jenis_kursus,
            "jenisKursusSertipikat": table.reference.jenis_diklat[rule.jenis_diklat_id][1],
            "jumlahJam": completion.jp,
            "lokasiId": agency.lokasi_id,
            "namaKursus": completion.program_title,
            "nomorSertipikat": completion.certificate_number,
            "path": [],
            "pnsOrangId": pns_orang_id,
            "tahunKursus": completion.completed_on.year,
            "tanggalKursus": start,
            "tanggalSelesaiKursus": end,
        }
    else:
        body = {
            "id": None,
            "bobot": 0,
            "institusiPenyelenggara": organiser,
            "jenisKompetensi": rule.jenis_kompetensi,
            "jumlahJam": completion.jp,
            "latihanStrukturalId": rule.latihan_struktural_id,
            "nomor": completion.certificate_number,
            "path": [],
            "pnsOrangId": pns_orang_id,
            "tahun": completion.completed_on.year,
            "tanggal": start,
            "tanggalSelesai": end,
        }
    return SiasnItem(
        reference=completion.enrolment_id,
        nip=completion.nip,
        unit_code=completion.unit_code,
        completed_on=completion.completed_on,
        riwayat=rule.riwayat,
        body=body,
    )


def select(
    items: Iterable[SiasnItem],
    *,
    completed_from: date | None = None,
    completed_until: date | None = None,
    unit_codes: Iterable[str] | None = None,
) -> list[SiasnItem]:
    """Items completed within [from, until] (both inclusive, either open) of the given units (all if none)."""
    units = set(unit_codes) if unit_codes is not None else None
    return [
        item
        for item in items
        if (completed_from is None or item.completed_on >= completed_from)
        and (completed_until is None or item.completed_on <= completed_until)
        and (units is None or item.unit_code in units)
    ]
