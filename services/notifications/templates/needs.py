"""What employees, supervisors and unit heads are told of a need: new, updated, or not at all."""

from __future__ import annotations

from collections.abc import Mapping

from services.notifications.domain import Notice, Person, Text, UnitHeads
from shared.events import NeedIdentified, NeedResolved, NeedSource

FORM_NAMES = {
    "coaching": ("coaching", "coaching"),
    "mentoring": ("mentoring", "mentoring"),
    "internship": ("magang", "an internship"),
    "refresher": ("pelatihan penyegaran", "a refresher course"),
    "training": ("pelatihan klasikal", "classroom training"),
    "e_learning": ("e-learning", "e-learning"),
}


def _need_subject(e: NeedIdentified) -> tuple[str, str]:
    """What the need is about, in words a civil servant reads at a glance, for each source."""
    competency = f"{e.competency_code} {e.competency_name}"
    if e.source == NeedSource.JP_SHORTFALL:
        shortfall, minimum = int(e.priority_parts.get("jp_shortfall", 0)), int(e.priority_parts.get("jp_minimum", 20))
        return (
            f"pemenuhan minimal {minimum} JP pengembangan kompetensi (kurang {shortfall} JP)",
            f"the yearly minimum of {minimum} JP of development ({shortfall} JP short)",
        )
    if e.source == NeedSource.EVALUATION_FOLLOW_UP:
        return f"tindak lanjut pelatihan {competency}", f"a follow-up to your training in {competency}"
    if e.source == NeedSource.UNIT_REQUEST:
        return f"kompetensi {competency} atas permintaan unit Anda", f"{competency}, requested by your unit"
    return (
        f"kompetensi {competency} (level {e.assessed_level} -> {e.required_level})",
        f"{competency} (level {e.assessed_level} -> {e.required_level})",
    )


_BASIS_EN = {
    NeedSource.PUBLIC_SATISFACTION: "the unit's public satisfaction survey (SKM)",
    NeedSource.UNIT_REQUEST: "a request from the unit",
    NeedSource.EVALUATION_FOLLOW_UP: "a training evaluation",
    NeedSource.JP_SHORTFALL: "the yearly JP minimum",
    NeedSource.COMPETENCY_GAP: "a competency assessment",
}


def need_identified(e: NeedIdentified) -> list[Notice]:
    """The employee and their supervisor, and the unit's head (who plans the unit's development). A need
    of the whole unit goes to its head alone."""
    form_id, form_en = FORM_NAMES.get(e.recommended_form or "", (e.recommended_form, e.recommended_form))
    advice_id = f" Bentuk pengembangan yang disarankan: {form_id}." if form_id else ""
    advice_en = f" Recommended form of development: {form_en}." if form_en else ""
    if e.nip is None:
        # The needs service words the reason in Bahasa Indonesia only; English names its kind and quotes it.
        why_id = f" Dasar: {e.reason.rstrip('.')}." if e.reason else ""
        why_en = f' Basis: {_BASIS_EN.get(e.source, "as recorded")} ("{e.reason}").' if e.reason else ""
        return [
            Notice(
                UnitHeads(e.unit_code),
                "unit_head",
                Text(
                    f"Kebutuhan pengembangan unit {e.unit_code}: {e.competency_name}",
                    f"Unit {e.unit_code} memerlukan pengembangan kompetensi {e.competency_code} "
                    f"{e.competency_name} pada tahun anggaran {e.fiscal_year}.{why_id}{advice_id} Usulkan pegawai "
                    f"yang akan mengikutinya kepada BKPSDM sebelum akhir tahun anggaran {e.fiscal_year}.",
                ),
                Text(
                    f"Development need of unit {e.unit_code}: {e.competency_name}",
                    f"Unit {e.unit_code} needs development in {e.competency_code} {e.competency_name} in fiscal "
                    f"year {e.fiscal_year}.{why_en}{advice_en} Name the staff who should take part to BKPSDM before "
                    f"the end of fiscal year {e.fiscal_year}.",
                ),
            )
        ]
    what_id, what_en = _need_subject(e)
    notices = [
        Notice(
            Person(e.nip),
            "employee",
            Text(
                f"Kebutuhan pengembangan: {e.competency_name}",
                f"Tahun anggaran {e.fiscal_year}, Anda memerlukan pengembangan {what_id}.{advice_id} BKPSDM akan "
                f"menempatkan Anda pada program yang sesuai; pantau undangan pelatihan Anda.",
            ),
            Text(
                f"Development need: {e.competency_name}",
                f"For fiscal year {e.fiscal_year} you need development in {what_en}.{advice_en} BKPSDM will place "
                f"you in a suitable programme; watch for your training invitation.",
            ),
        )
    ]
    if e.supervisor_nip:
        notices.append(
            Notice(
                Person(e.supervisor_nip),
                "supervisor",
                Text(
                    f"Kebutuhan pengembangan bawahan: NIP {e.nip}",
                    f"Pegawai NIP {e.nip} memerlukan pengembangan {what_id}.{advice_id} Dukung keikutsertaannya "
                    f"dalam program yang ditetapkan BKPSDM.",
                ),
                Text(
                    f"Development need of your staff member: NIP {e.nip}",
                    f"Employee NIP {e.nip} needs development in {what_en}.{advice_en} Please support their "
                    f"participation in the programme BKPSDM assigns.",
                ),
            )
        )
    notices.append(
        Notice(
            UnitHeads(e.unit_code),
            "unit_head",
            Text(
                f"Kebutuhan pengembangan baru di unit {e.unit_code}: NIP {e.nip}",
                f"Pegawai NIP {e.nip} memerlukan pengembangan {what_id}.{advice_id} Pastikan ia dapat mengikuti "
                f"program yang ditetapkan BKPSDM dalam tahun anggaran {e.fiscal_year}.",
            ),
            Text(
                f"New development need in unit {e.unit_code}: NIP {e.nip}",
                f"Employee NIP {e.nip} needs development in {what_en}.{advice_en} Make sure they can take part in "
                f"the programme BKPSDM assigns within fiscal year {e.fiscal_year}.",
            ),
        )
    )
    return notices


def need_resolved(_: NeedResolved) -> list[Notice]:
    """No one is told (the training service drops the need and its proposed seat, which is told as a
    withdrawal); the event goes to the systems subscribed to it, like every event webhooks accept."""
    return []


def need_facts(e: NeedIdentified) -> dict[str, object]:
    """What the need's messages tell, so a re-announcement can be compared with what was told: not its
    priority, which orders BKPSDM's planning and is in no message."""
    facts: dict[str, object] = {
        "nip": e.nip,
        "unit_code": e.unit_code,
        "supervisor_nip": e.supervisor_nip,
        "competency_code": e.competency_code,
        "competency_name": e.competency_name,
        "required_level": e.required_level,
        "assessed_level": e.assessed_level,
        "source": e.source.value,
        "fiscal_year": e.fiscal_year,
        "recommended_form": e.recommended_form.value if e.recommended_form else None,
        "reason": e.reason,
    }
    if e.source == NeedSource.JP_SHORTFALL:
        facts["jp_shortfall"] = int(e.priority_parts.get("jp_shortfall", 0))
        facts["jp_minimum"] = int(e.priority_parts.get("jp_minimum", 20))
    return facts


def need_updated(e: NeedIdentified, told: Mapping[str, object]) -> list[Notice]:
    """A need told before whose facts changed: the same people, told it is an update and what changed."""
    before, now = told.get("jp_shortfall"), need_facts(e).get("jp_shortfall")
    if before is not None and now is not None and before != now:
        change_id = f"Kekurangan JP Anda berubah dari {before} menjadi {now} JP."
        change_en = f"The JP shortfall changed from {before} to {now} JP."
    else:
        change_id, change_en = "Rincian kebutuhan ini berubah.", "The details of this need changed."
    return [
        Notice(
            n.to,
            n.role,
            Text(f"Pembaruan: {n.id.title}", f"{change_id} {n.id.body}"),
            Text(f"Update: {n.en.title}", f"{change_en} {n.en.body}"),
        )
        for n in need_identified(e)
    ]
