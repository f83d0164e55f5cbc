"""Refusals of the use cases know no HTTP; the edge answers each kind with one status, in both languages."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.domain.errors import ConcurrentUpdate, Conflict, Forbidden, Invalid, InvalidTransition, NotFound
from shared.domain.lifecycle import Lifecycle
from shared.domain.vocabulary import EnrolmentState
from shared.http.errors import install_error_handlers


def answer_to(error: Exception, language: str = "id"):
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/refused")
    def refused():
        raise error

    return TestClient(app).get("/refused", headers={"Accept-Language": language})


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound("Angkatan", "Batch", "B-1"), 404, "not_found"),
        (Forbidden("not_evaluator", "Bukan penilai.", "Not the evaluator."), 403, "not_evaluator"),
        (Invalid("invalid_window", "Di luar tahap.", "Outside the phase."), 422, "invalid_window"),
        (Conflict("batch_closed", "Sudah ditutup.", "Already closed."), 409, "batch_closed"),
        (InvalidTransition("Tidak dapat.", "Cannot."), 409, "invalid_transition"),
        (ConcurrentUpdate("Batch B-1"), 409, "concurrent_update"),
    ],
)
def test_each_kind_of_refusal_answers_its_status_with_its_code(error, status, code):
    response = answer_to(error)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_a_refusal_speaks_indonesian_unless_english_is_asked_for():
    error = NotFound("Angkatan", "Batch", "B-1")
    assert answer_to(error).json()["error"]["message"] == "Angkatan B-1 tidak ditemukan."
    english = answer_to(error, "en").json()["error"]
    assert english["message"] == "Batch B-1 was not found."
    assert english["messages"] == {"id": "Angkatan B-1 tidak ditemukan.", "en": "Batch B-1 was not found."}


def test_a_lifecycle_refuses_a_move_it_does_not_list_naming_the_status_and_the_action():
    lifecycle = Lifecycle(
        "Pendaftaran",
        "An enrolment",
        {("confirm", EnrolmentState.PROPOSED): EnrolmentState.CONFIRMED},
        {"confirm": ("dikonfirmasi", "confirmed")},
    )
    assert lifecycle.next("confirm", EnrolmentState.PROPOSED) is EnrolmentState.CONFIRMED
    with pytest.raises(InvalidTransition) as refused:
        lifecycle.next("confirm", EnrolmentState.COMPLETED)
    assert refused.value.message_id == "Pendaftaran berstatus completed tidak dapat dikonfirmasi."
    assert refused.value.message_en == "An enrolment that is completed cannot be confirmed."


def test_a_lifecycle_with_an_action_it_cannot_word_a_refusal_for_is_not_built():
    with pytest.raises(ValueError, match="lapse"):
        Lifecycle("Pendaftaran", "An enrolment", {("lapse", EnrolmentState.PROPOSED): EnrolmentState.WITHDRAWN}, {})
