"""xAPI statements built from the events' wire form: what an LRS and its reports will show."""

import json

import pytest

from shared.events.training import EnrolmentState
from shared.interop.settings import XapiSettings
from shared.interop.xapi import (
    InvalidProfile,
    Verb,
    XapiProfile,
    jp_duration,
    registration,
    statements_for,
)
from tests.support.demo import HEAD, NURSE
from tests.support.interop import ENROLMENT, Received, completion, enrolment, evaluation, learning_record

PROFILE = XapiProfile(
    home_page="https://kompetensi.pemkomedan.go.id", iri_base="https://kompetensi.pemkomedan.go.id/xapi/"
)
EXT = "https://kompetensi.pemkomedan.go.id/xapi/extensions/"


def build(event: Received):
    return statements_for(event.payload, event_id=event.context.id, event_time=event.context.time, profile=PROFILE)


def by_kind(event: Received):
    return {s.kind: s.body for s in build(event)}


def test_a_completion_is_a_scored_pre_test_a_passed_post_test_and_a_completed_course():
    statements = by_kind(completion())
    assert list(statements) == ["pre-test", "post-test", "completed"]
    assert statements["pre-test"]["verb"]["id"] == Verb.SCORED == "http://adlnet.gov/expapi/verbs/scored"
    assert statements["post-test"]["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    completed = statements["completed"]
    assert completed["verb"] == {
        "id": "http://adlnet.gov/expapi/verbs/completed",
        "display": {"en-US": "completed", "id-ID": "menyelesaikan"},
    }
    assert completed["object"]["id"] == "https://kompetensi.pemkomedan.go.id/xapi/batches/PL-2027-01"
    assert completed["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"
    assert completed["context"]["contextActivities"]["parent"][0]["id"].endswith("/programs/PELAYANAN-PRIMA")
    assert completed["result"]["completion"] is True and completed["result"]["success"] is True
    assert completed["result"]["extensions"][EXT + "certificate-number"] == "BKPSDM-MDN/2027/1A2B3C4D"


def test_scores_are_scaled_from_the_0_to_100_scale():
    statements = by_kind(completion())
    assert statements["post-test"]["result"]["score"] == {"scaled": 0.855, "raw": 85.5, "min": 0, "max": 100}
    assert statements["pre-test"]["result"]["score"]["scaled"] == 0.55
    assert statements["completed"]["result"]["score"]["scaled"] == 0.855
    assert by_kind(completion(post_score=100.0))["post-test"]["result"]["score"]["scaled"] == 1.0


def test_jp_and_competencies_travel_as_extensions_under_the_system_iri():
    completed = by_kind(completion())["completed"]
    extensions = completed["context"]["extensions"]
    assert extensions[EXT + "jp"] == 24
    assert extensions[EXT + "competencies"] == [{"code": "M.05", "targetLevel": 3}]
    assert extensions[EXT + "form"] == "training"
    # 24 JP of 45 minutes = 18 hours
    assert completed["result"]["duration"] == "PT18H"
    for statement in (s.body for event in learning_record() for s in build(event)):
        keys = [*statement["context"].get("extensions", {}), *statement.get("result", {}).get("extensions", {})]
        assert keys and all(k.startswith(EXT) for k in keys)


def test_the_learner_is_the_nip_at_the_systems_home_page_and_nothing_else_about_people_is_sent():
    for event in learning_record():
        for statement in build(event):
            assert statement.body["actor"] == {
                "objectType": "Agent",
                "account": {"homePage": "https://kompetensi.pemkomedan.go.id", "name": NURSE},
            }
            # The supervisor who answered level 3 is not part of the nurse's learning record.
            assert HEAD not in json.dumps(statement.body)


def test_every_statement_of_one_seat_shares_its_registration():
    registrations = {s.body["context"]["registration"] for event in learning_record() for s in build(event)}
    assert registrations == {registration(ENROLMENT)}
    other_seat = completion(enrolment_id=f"PL-2027-02:{NURSE}", batch_code="PL-2027-02")
    assert {s.body["context"]["registration"] for s in build(other_seat)} == {registration(f"PL-2027-02:{NURSE}")}


def test_a_redelivered_event_builds_the_same_statements_and_another_event_other_ids():
    first = completion()
    assert [s.body for s in build(first)] == [s.body for s in build(first)]
    ids = [s.id for s in build(first)]
    assert len(set(ids)) == 3
    again_announced = completion()  # a new event (new ce_id) about the same completion
    assert not set(ids) & {s.id for s in build(again_announced)}


def test_timestamps_come_from_the_event_never_the_clock():
    assert by_kind(completion())["completed"]["timestamp"] == "2027-03-03T09:30:12.345Z"
    assert by_kind(evaluation(2))["evaluation-level-2"]["timestamp"] == "2027-03-05T02:00:00.000Z"
    assert by_kind(enrolment(EnrolmentState.ATTENDING))["attended"]["timestamp"] == "2027-03-01T01:15:00.000Z"


def test_attendance_and_failure_are_statements_other_seat_changes_are_not():
    attended = by_kind(enrolment(EnrolmentState.ATTENDING))["attended"]
    assert attended["verb"]["id"] == "http://adlnet.gov/expapi/verbs/attended"
    assert "result" not in attended
    failed = by_kind(enrolment(EnrolmentState.FAILED))["failed"]
    assert failed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/failed"
    assert failed["result"]["completion"] is False and failed["result"]["success"] is False
    assert failed["result"]["extensions"][EXT + "reason"]["en-US"] == "Attendance below the minimum"
    for status in (EnrolmentState.PROPOSED, EnrolmentState.CONFIRMED, EnrolmentState.WITHDRAWN):
        assert build(enrolment(status)) == []


def test_each_evaluation_level_is_one_statement_with_its_score_and_bar():
    l1 = by_kind(evaluation(1))["evaluation-level-1"]
    assert l1["verb"]["id"] == "http://adlnet.gov/expapi/verbs/responded"
    assert l1["object"]["id"].endswith("/programs/PELAYANAN-PRIMA/evaluations/level-1")
    assert l1["result"]["success"] is True and l1["result"]["score"]["scaled"] == 0.8
    l2 = by_kind(evaluation(2))["evaluation-level-2"]
    assert l2["verb"]["id"] == "http://adlnet.gov/expapi/verbs/scored"
    assert "success" not in l2["result"]
    assert l2["result"]["extensions"][EXT + "measures"] == {"raw_gain": 30.5, "normalised_gain": 0.678}
    l3 = by_kind(evaluation(3))["evaluation-level-3"]
    assert l3["result"]["success"] is False
    assert l3["result"]["extensions"][EXT + "barriers"] == ["lack_of_support"]
    assert l3["context"]["extensions"][EXT + "level"] == 3
    l4 = by_kind(evaluation(4))["evaluation-level-4"]
    assert l4["result"]["extensions"][EXT + "outcome"] == "improved"


def test_a_completion_without_test_scores_is_only_the_completed_statement():
    statements = by_kind(completion(pre_score=None, post_score=None))
    assert list(statements) == ["completed"]
    assert "score" not in statements["completed"]["result"]


def test_a_completion_outside_a_batch_is_recorded_on_the_programme():
    completed = by_kind(completion(batch_code=None))["completed"]
    assert completed["object"]["id"] == "https://kompetensi.pemkomedan.go.id/xapi/programs/PELAYANAN-PRIMA"
    assert "contextActivities" not in completed["context"]


def test_codes_become_escaped_iri_segments():
    completed = by_kind(completion(program_code="PKP/2027 angkatan I", batch_code=None))["completed"]
    assert completed["object"]["id"].endswith("/programs/PKP%2F2027%20angkatan%20I")


@pytest.mark.parametrize(("jp", "duration"), [(1, "PT45M"), (4, "PT3H"), (5, "PT3H45M"), (0, "PT0M")])
def test_jp_become_45_minute_durations(jp, duration):
    assert jp_duration(jp) == duration


@pytest.mark.parametrize("bad", ["kompetensi.pemkomedan.go.id", "ftp://x.go.id", "https://x.go.id/?a=1", ""])
def test_a_profile_refuses_what_is_not_an_absolute_http_iri(bad):
    with pytest.raises(InvalidProfile):
        XapiProfile(home_page=bad, iri_base="https://x.go.id/xapi")
    with pytest.raises(InvalidProfile):
        XapiProfile(home_page="https://x.go.id", iri_base=bad)


def test_xapi_settings_need_an_lrs_when_enabled_and_https_in_production():
    assert XapiSettings().profile().iri_base == "https://kompetensi.pemkomedan.go.id/xapi"
    with pytest.raises(ValueError, match="XAPI_LRS_ENDPOINT, XAPI_LRS_USERNAME and XAPI_LRS_PASSWORD"):
        XapiSettings(xapi_enabled=True)
    lrs = {"xapi_enabled": True, "xapi_lrs_endpoint": "http://lrs.local/xAPI", "xapi_lrs_username": "u"}
    assert XapiSettings(**lrs, xapi_lrs_password="p").xapi_enabled
    with pytest.raises(ValueError, match="must be https in production"):
        XapiSettings(**lrs, xapi_lrs_password="p", environment="production")
    with pytest.raises(ValueError, match="XAPI_IRI_BASE must be an absolute"):
        XapiSettings(xapi_iri_base="kompetensi/xapi")
