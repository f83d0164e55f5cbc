"""The demo people one can sign in as in development: staff of scripts/demo/medan.json (what `make up`
loads), one per role. tests/unit/test_console_domain.py checks they are in that file."""

from __future__ import annotations

from services.console.domain import Person
from shared.domain.identity import Role

E, S, U, B, P = Role.EMPLOYEE, Role.SUPERVISOR, Role.UNIT_HEAD, Role.BKPSDM_ADMIN, Role.PARTNER
PUSKESMAS = "PKM-PADANGBULAN"

# (key, who they are in Bahasa Indonesia, in English, the person)
DEMO_PEOPLE: tuple[tuple[str, str, str, Person], ...] = (
    (
        "pegawai",
        "Pegawai: perawat di Puskesmas Padang Bulan",
        "Employee: a nurse at Puskesmas Padang Bulan",
        Person("199002202015032001", "Siti Rahmawati", frozenset({E}), PUSKESMAS),
    ),
    (
        "atasan",
        "Atasan langsung: Kepala Puskesmas Padang Bulan",
        "Supervisor: head of Puskesmas Padang Bulan",
        Person("197911232006041003", "dr. Ahmad Nasution", frozenset({E, S}), PUSKESMAS),
    ),
    (
        "kepala-unit",
        "Kepala unit: Kepala Puskesmas Padang Bulan",
        "Unit head: head of Puskesmas Padang Bulan",
        Person("197911232006041003", "dr. Ahmad Nasution", frozenset({E, U}), PUSKESMAS),
    ),
    (
        "bkpsdm",
        "Admin BKPSDM: Kepala Bidang Pengembangan Kompetensi",
        "BKPSDM admin: head of competency development",
        Person("197805122003121002", "Hendra Siregar", frozenset({E, B}), "BKPSDM"),
    ),
    (
        "mitra",
        "Mitra: Universitas Sumatera Utara",
        "Partner: Universitas Sumatera Utara",
        Person("mitra-usu", "Tim Kurikulum USU", frozenset({P}), None, "USU"),
    ),
)


def demo_person(key: str) -> Person | None:
    return next((person for k, _, _, person in DEMO_PEOPLE if k == key), None)
