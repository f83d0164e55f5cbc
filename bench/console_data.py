"""What the other services would hold for Medan's workforce, written straight into their databases.

The console benchmark keeps the needs service's relay off, so without this the training, evaluation and
notifications services would be empty and their pages fast only because there is nothing to read. Here
each gets a Medan-sized year: the planner's copy of every open need, 60 batches of 30 seats, two
evaluations per seat (level 1 by the participant, level 3 by the supervisor), the directory and five
inbox messages per employee, and JP ledgers for the seated. The measured employee holds two seats, owes
their level-1 forms and has unread messages; the measured supervisor has ten direct reports, each with a
seat, and owes their level-3 forms. Written once per namespace (kept with BENCH_CONSOLE_KEEP).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mongoengine import Document
from pymongo import MongoClient, UpdateOne

from services.evaluation.documents import EvaluationDocument
from services.needs.documents import EmployeeDocument, JpLedgerDocument, NeedDocument
from services.notifications.documents import MessageDocument, PersonDocument
from services.training.documents import BatchDocument, EnrolmentDocument, PhaseDocument, PlannedNeedDocument
from shared.persistence import bulk_write

YEAR = 2027
BATCHES, SEATS_PER_BATCH, MESSAGES_PER_EMPLOYEE, REPORTS = 60, 30, 5, 10
# Inserts go in commands of this many documents (one statement each on FerretDB, which copes with these).
CHUNK = 1000


def _rows(doc: type[Document], rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each row as the document class would store it (validated, with its defaults)."""
    for row in rows:
        document = doc(**row)
        document.validate()
        yield document.to_mongo().to_dict()


def _insert(
    client: MongoClient[dict[str, Any]], database: str, doc: type[Document], rows: list[dict[str, Any]]
) -> None:
    collection = client[database][doc._meta["collection"]]
    stored = list(_rows(doc, rows))
    for start in range(0, len(stored), CHUNK):
        collection.insert_many(stored[start : start + CHUNK], ordered=False)


def seed(mongo: str, namespace: str, employee_nip: str) -> bool:
    """Fill the namespace's training, evaluation and notifications databases; False if already done."""
    client: MongoClient[dict[str, Any]] = MongoClient(mongo)
    try:
        if client[f"{namespace}_training"][BatchDocument._meta["collection"]].find_one({"fiscal_year": YEAR}):
            return False
        _seed(client, namespace, employee_nip)
        return True
    finally:
        client.close()


def _seed(client: MongoClient[dict[str, Any]], namespace: str, employee_nip: str) -> None:
    rng = random.Random(13)
    needs_db = client[f"{namespace}_needs"]
    employees = list(needs_db[EmployeeDocument._meta["collection"]].find({}, {"unit_code": 1}))
    unit_of = {e["_id"]: e["unit_code"] for e in employees}
    # The measured supervisor's direct reports, from their own unit as in a puskesmas or an OPD's section
    # (the needs service's record of who reports to whom), then everyone else in random order.
    colleagues = sorted(n for n in unit_of if n != employee_nip and unit_of[n] == unit_of[employee_nip])
    reports = colleagues[:REPORTS]
    others = sorted(n for n in unit_of if n != employee_nip and n not in reports)
    rng.shuffle(others)
    others = reports + others
    bulk_write(
        needs_db[EmployeeDocument._meta["collection"]],
        [UpdateOne({"_id": nip}, {"$set": {"supervisor_nip": employee_nip}}) for nip in reports],
    )
    supervisor_of = dict.fromkeys(reports, employee_nip)
    now = datetime.now(UTC)
    training = f"{namespace}_training"

    needs = list(needs_db[NeedDocument._meta["collection"]].find({"status": "open"}))
    _insert(
        client,
        training,
        PlannedNeedDocument,
        [
            {
                "id": n["_id"],
                "fiscal_year": n["fiscal_year"],
                "nip": n.get("nip"),
                "unit_code": n["unit_code"],
                "competency_code": n["competency_code"],
                "competency_name": n["competency_name"],
                "required_level": n.get("required_level"),
                "priority": n["priority"],
                "source": n["source"],
                "identified_at": n["identified_at"],
                "status": "waitlisted",
                "reason_code": "capacity",
                "explanation": "Menunggu: kapasitas angkatan penuh.",
                "explanation_en": "Waiting: the batches are full.",
            }
            for n in needs
        ],
    )
    phases = [f"TAHAP-{YEAR}-{p}" for p in (1, 2, 3)]
    _insert(
        client,
        training,
        PhaseDocument,
        [
            {
                "code": code,
                "fiscal_year": YEAR,
                "title": f"Tahap {i + 1}",
                "starts_on": date(YEAR, 1 + 4 * i, 1),
                "ends_on": date(YEAR, 4 + 4 * i, 28),
                "budget": 2_000_000_000.0,
            }
            for i, code in enumerate(phases)
        ],
    )
    batches = [f"B{YEAR}-{b:03d}" for b in range(BATCHES)]
    _insert(
        client,
        training,
        BatchDocument,
        [
            {
                "id": code,
                "fiscal_year": YEAR,
                "phase_code": phases[b % 3],
                "program_code": f"PRG-{b % 12:02d}",
                "starts_on": date(YEAR, 1 + 4 * (b % 3), 10),
                "ends_on": date(YEAR, 1 + 4 * (b % 3), 14),
                "capacity": SEATS_PER_BATCH,
                "sessions": 5,
                "location": "BPSDM Provinsi Sumatera Utara",
                "status": "scheduled",
                "created_at": now,
            }
            for b, code in enumerate(batches)
        ],
    )
    # Every seat to a different employee, but the measured one holds two and each report one.
    seated = [employee_nip, employee_nip, *reports, *others[REPORTS : BATCHES * SEATS_PER_BATCH - 2]]
    # (seat, batch): the measured employee's second seat is in the second batch.
    placed = [(i, i // SEATS_PER_BATCH + (i == 1)) for i in range(len(seated))]
    seats = [
        {
            "id": f"{batches[b]}:{seated[i]}",
            "batch_code": batches[b],
            "phase_code": phases[b % 3],
            "program_code": f"PRG-{b % 12:02d}",
            "fiscal_year": YEAR,
            "nip": seated[i],
            "unit_code": unit_of[seated[i]],
            "supervisor_nip": supervisor_of.get(seated[i]),
            "cost": 3_500_000.0,
            "status": "completed" if i % 3 else "confirmed",
            "completed_on": date(YEAR, 1, 14) if i % 3 else None,
            "created_at": now,
            "updated_at": now,
        }
        for i, b in placed
    ]
    _insert(client, training, EnrolmentDocument, seats)
    _insert(
        client,
        f"{namespace}_needs",
        JpLedgerDocument,
        [
            {"id": f"{YEAR}-{nip}", "nip": nip, "unit_code": unit_of[nip], "fiscal_year": YEAR, "total_jp": 12}
            for nip in sorted(set(seated))
        ],
    )
    _evaluations(client, namespace, seats, now)
    _inbox(client, namespace, sorted(unit_of), unit_of, now)


def _evaluations(
    client: MongoClient[dict[str, Any]], namespace: str, seats: list[dict[str, Any]], now: datetime
) -> None:
    rows = []
    for s in seats:
        done = s["completed_on"] or date(YEAR, 1, 14)
        for level, questionnaire, role, evaluator in (
            (1, "L1-REACTION", "participant", s["nip"]),
            (3, "L3-BEHAVIOUR", "supervisor", s["supervisor_nip"]),
        ):
            opens = done + timedelta(days=0 if level == 1 else 90)
            rows.append(
                {
                    "id": f"{s['id']}:L{level}",
                    "enrolment_id": s["id"],
                    "program_code": s["program_code"],
                    "program_title": f"Pelatihan {s['program_code']}",
                    "batch_code": s["batch_code"],
                    "nip": s["nip"],
                    "unit_code": s["unit_code"],
                    "supervisor_nip": s["supervisor_nip"],
                    "completed_on": done,
                    "level": level,
                    "questionnaire": questionnaire,
                    "questionnaire_version": 1,
                    "evaluator_role": role,
                    "evaluator_nip": evaluator,
                    "status": "open",
                    "opens_on": opens,
                    "due_on": opens + timedelta(days=14 if level == 1 else 30),
                    "opened_at": now,
                }
            )
    _insert(client, f"{namespace}_evaluation", EvaluationDocument, rows)


def _inbox(
    client: MongoClient[dict[str, Any]], namespace: str, nips: list[str], unit_of: dict[str, str], now: datetime
) -> None:
    database = f"{namespace}_notifications"
    _insert(
        client,
        database,
        PersonDocument,
        [
            {"id": nip, "language": "id", "channels": ["inbox"], "unit_code": unit_of[nip], "updated_at": now}
            for nip in nips
        ],
    )
    _insert(
        client,
        database,
        MessageDocument,
        [
            {
                "id": f"{nip}:{k}",
                "recipient_nip": nip,
                "channel": "inbox",
                "role": "employee",
                "event_id": f"bench-{nip}-{k}",
                "event_type": "EnrolmentChanged",
                "subject": nip,
                "title_id": "Kursi pelatihan",
                "body_id": "Anda mendapat kursi pelatihan.",
                "title_en": "Training seat",
                "body_en": "You have a training seat.",
                "created_at": now - timedelta(days=k),
                "read_at": now if k % 2 else None,
            }
            for nip in nips
            for k in range(MESSAGES_PER_EMPLOYEE)
        ],
    )
