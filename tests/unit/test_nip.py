"""One NIP rule everywhere (Perka BKN 22/2007): ASCII digits only and the same structural check in the needs
service, the notifications directory, credentials and the event contracts."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.notifications import domain as notifications
from shared.domain.nip import InvalidNip, Nip
from shared.events import NeedResolved

GOOD = "199002202015032001"
FULL_WIDTH = "１９９００２２０２０１５０３２００１"  # the same digits, full-width: isdigit() and \d accept them
SUPERSCRIPT = "19900220²015032001"  # int("²015") raised a bare ValueError on it, which became a server error


@pytest.mark.parametrize("raw", [FULL_WIDTH, SUPERSCRIPT, "١٩٩٠٠٢٢٠٢٠١٥٠٣٢٠٠١"])
def test_a_nip_of_non_ascii_digits_is_refused_as_a_wrong_length_never_a_crash(raw):
    with pytest.raises(InvalidNip) as err:
        Nip.parse(raw)
    assert err.value.part == "length" and "0-9" in err.value.message_en


def test_a_serial_number_of_000_is_refused():
    with pytest.raises(InvalidNip) as err:
        Nip.parse("199002202015032000")
    assert err.value.part == "serial"
    assert Nip.parse("199002202015032001").value == GOOD


def test_the_notifications_directory_applies_the_same_structural_check():
    # Length and digits were all it checked, so a birth month of 13 passed there.
    month_13 = notifications.PersonRecord(nip="199013202015032001")
    problems = notifications.check_person(month_13)
    assert [p.field for p in problems] == ["nip"]
    assert "19901320" in problems[0].message_en and "birth date" in problems[0].message_en
    assert notifications.check_person(notifications.PersonRecord(nip=FULL_WIDTH))[0].field == "nip"
    assert notifications.check_person(notifications.PersonRecord(nip=GOOD)) == []


def test_the_event_contracts_accept_ascii_digits_only():
    event = {"need_id": "n", "unit_code": "U", "competency_code": "M.05", "fiscal_year": 2027}
    NeedResolved(**event, nip=GOOD, resolved_at=datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(ValidationError):
        NeedResolved(**event, nip=FULL_WIDTH, resolved_at=datetime(2027, 1, 1, tzinfo=UTC))
    schema = NeedResolved.model_json_schema()
    assert schema["properties"]["nip"]["anyOf"][0]["pattern"] == "^[0-9]{18}$"
