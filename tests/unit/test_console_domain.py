"""The console's pure rules: dates, rupiah and numbers as Indonesians read them, who sees which page,
the signed session cookie, the demo people, and answers typed from a posted questionnaire."""

import json
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from services.console import domain
from services.console.demo import DEMO_PEOPLE, demo_person
from services.console.sessions import Session, SessionSigner
from services.console.settings import ConsoleSettings
from services.console.texts import TEXTS, text
from shared.domain.identity import Role

MEDAN = json.loads((Path(__file__).resolve().parents[2] / "scripts" / "demo" / "medan.json").read_text())


def test_dates_read_in_indonesian_and_instants_in_wib():
    assert domain.format_date(date(2027, 8, 17), "id") == "17 Agustus 2027"
    assert domain.format_date(date(2027, 8, 17), "en") == "17 August 2027"
    # 17:30 UTC is half past midnight the next day in Medan.
    instant = datetime(2027, 8, 16, 17, 30, tzinfo=UTC)
    assert domain.format_datetime(instant, "id") == "17 Agustus 2027 00.30 WIB"
    assert domain.format_datetime(instant.replace(tzinfo=None), "en") == "17 August 2027 00:30 WIB"


def test_rupiah_and_numbers_group_with_dots():
    assert domain.format_rupiah(2_500_000) == "Rp 2.500.000"
    assert domain.format_rupiah(None) == "—"
    assert domain.format_number(1234.5, "id", 1) == "1.234,5"
    assert domain.format_number(1234.5, "en", 1) == "1,234.5"


def test_jp_progress_is_bounded():
    assert domain.progress_pct(10, 20) == 50
    assert domain.progress_pct(30, 20) == 100
    assert domain.progress_pct(0, 0) == 100


def test_pager_neighbours():
    middle = domain.Pager(total=45, limit=20, offset=20)
    assert (middle.first, middle.last, middle.previous, middle.next) == (21, 40, 0, 40)
    last = domain.Pager(total=45, limit=20, offset=40)
    assert (last.last, last.next) == (45, None)
    assert domain.Pager(total=0, limit=20, offset=0).first == 0


def person(*roles: Role) -> domain.Person:
    return domain.Person("199002202015032001", "Siti", frozenset(roles), "PKM-PADANGBULAN")


def test_a_pegawai_has_no_bkpsdm_page_and_bkpsdm_has_its_own():
    pegawai = person(Role.EMPLOYEE)
    assert not domain.may_open(pegawai, "/bkpsdm")
    assert not domain.may_open(pegawai, "/bkpsdm/needs")
    assert not domain.may_open(pegawai, "/team")
    assert domain.may_open(pegawai, "/me/needs")
    assert "/bkpsdm" not in [p.path for p in domain.menu(pegawai)]
    admin = person(Role.EMPLOYEE, Role.BKPSDM_ADMIN)
    assert domain.may_open(admin, "/bkpsdm/batches/2027-A1")
    assert domain.home_of(admin) == "/bkpsdm"
    assert domain.home_of(pegawai) == "/me/competencies"
    assert domain.home_of(person(Role.EMPLOYEE, Role.SUPERVISOR)) == "/team"


def test_the_session_cookie_cannot_be_edited_or_outlive_its_age():
    signer = SessionSigner("secret-one", max_age_s=60)
    session = Session().signed_in(person(Role.EMPLOYEE), "token-1")
    cookie = signer.dump(session)
    loaded = signer.load(cookie)
    assert loaded is not None and loaded.person == session.person and loaded.token == "token-1"
    assert loaded.csrf == session.csrf
    payload, _, mac = cookie.partition(".")
    assert signer.load(payload[:-2] + "xx." + mac) is None
    assert SessionSigner("secret-two", max_age_s=60).load(cookie) is None
    assert signer.load(signer.dump(replace(session, issued_at=time.time() - 61))) is None


def test_signing_in_gives_a_new_csrf_token():
    before = Session()
    assert before.signed_in(person(Role.EMPLOYEE), "t").csrf != before.csrf


def test_every_demo_person_is_in_the_demo_data():
    staff = {e["nip"]: e for e in MEDAN["employees"]}
    roles = set()
    for key, _, _, someone in DEMO_PEOPLE:
        assert demo_person(key) is not None
        roles |= someone.roles
        if Role.PARTNER in someone.roles:
            assert someone.institution in {c["institution"] for c in MEDAN["curricula"]}
        else:
            assert staff[someone.nip]["unit_code"] == someone.unit, key
    assert roles == set(Role)


def test_answers_are_typed_by_item_kind():
    items = [
        {"code": "relevance", "kind": "likert"},
        {"code": "score", "kind": "number"},
        {"code": "barriers", "kind": "barriers"},
        {"code": "comments", "kind": "text"},
        {"code": "skipped", "kind": "text"},
    ]
    form = {"relevance": "4", "score": "87,5", "comments": "Baik", "skipped": ""}
    answers = domain.answers_of(
        items, lambda k: form.get(k, ""), lambda k: ["lack_of_support"] if k == "barriers" else []
    )
    assert answers == {"relevance": 4, "score": 87.5, "barriers": ["lack_of_support"], "comments": "Baik"}
    assert domain.answers_of([{"code": "n", "kind": "number"}], lambda _: "nan", lambda _: []) == {"n": "nan"}


def test_every_text_has_both_languages_and_fills_its_values():
    assert all(id_text and en_text for id_text, en_text in TEXTS.values())
    assert text("inbox.unread", "id", count=3) == "3 belum dibaca"
    assert text("no.such.key", "en") == "no.such.key"


def test_production_refuses_the_development_console_session_secret_and_no_sign_in():
    with pytest.raises(ValueError, match="CONSOLE_SESSION_SECRET"):
        ConsoleSettings(environment="production", oidc_issuer="https://sso", oidc_client_id="console")
    with pytest.raises(ValueError, match="OIDC_ISSUER"):
        ConsoleSettings(environment="production", console_session_secret="x" * 40)
    production = ConsoleSettings(
        environment="production", console_session_secret="x" * 40, oidc_issuer="https://sso", oidc_client_id="console"
    )
    assert production.secure_cookies and not production.dev_sign_in
