"""The planner's choices, one rule at a time, on plans small enough to check by hand."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from services.training.domain import ProgramOffer
from services.training.plan.planner import Batch, Blocker, Need, Phase, Policy, Seat, plan
from shared.domain.vocabulary import accepted_forms

PHASE = Phase("T1", date(2027, 3, 1), date(2027, 6, 30), budget=100_000_000)
T0 = datetime(2027, 2, 1, tzinfo=UTC)


def programme(code, competencies, *, cost=1_000_000.0, jp=24, form="training"):
    return ProgramOffer(code, code.title(), form, competencies, jp, cost, 80.0, None)


PRIMA = programme("PRIMA", {"M.05": 3})


def batch(code, program=PRIMA, *, capacity=30, start=date(2027, 3, 8), days=3, phase="T1"):
    return Batch(code, phase, program, start, start + timedelta(days=days - 1), capacity)


def need(n, *, unit="PKM-A", competency="M.05", level=3, priority=1.0, nip=None, minutes=0, shortfall=None):
    return Need(
        f"need-{n}",
        nip or f"{n:018d}",
        unit,
        competency,
        level,
        priority,
        T0 + timedelta(minutes=minutes),
        shortfall,
    )


NO_SHARE_LIMIT = Policy(unit_share=1.0)


def run(needs, batches, *, phases=(PHASE,), seats=(), policy=NO_SHARE_LIMIT, **kw):
    return plan(needs, phases=phases, batches=batches, seats=seats, policy=policy, **kw)


def placed(result):
    return {d.need_id: d.batch_code for d in result.placed}


def test_a_need_goes_to_the_batch_that_fits_closest_then_cheapest_then_earliest():
    expert = programme("EXPERT", {"M.05": 5}, cost=0)
    dear = programme("DEAR", {"M.05": 3}, cost=5_000_000)
    batches = [
        batch("EXPERT-1", expert),
        batch("DEAR-1", dear),
        batch("PRIMA-LATE", start=date(2027, 5, 3)),
        batch("PRIMA-EARLY", start=date(2027, 4, 5)),
    ]
    result = run([need(1)], batches)
    assert placed(result) == {"need-1": "PRIMA-EARLY"}
    explanation = result.decisions[0].explanation
    assert "PRIMA-EARLY" in explanation.en and "covers M.05 up to level 3 (3 needed)" in explanation.en
    assert "Urutan prioritas 1" in explanation.id


def test_the_last_seat_goes_to_the_higher_priority_and_the_other_waits_for_capacity():
    result = run([need(1, priority=1.0), need(2, priority=4.0)], [batch("B1", capacity=1)])
    assert placed(result) == {"need-2": "B1"}
    waiting = result.waitlisted[0]
    assert (waiting.need_id, waiting.reason) == ("need-1", Blocker.CAPACITY)
    assert waiting.explanation.en == "Batch B1 is full."
    assert waiting.explanation.id == "Angkatan B1 sudah penuh."


def test_equal_priorities_are_served_in_the_order_the_needs_were_known():
    result = run([need(1, minutes=5), need(2, minutes=1)], [batch("B1", capacity=1)])
    assert placed(result) == {"need-2": "B1"}


def test_a_phase_without_money_for_one_more_participant_waitlists_for_budget():
    poor = Phase("T1", PHASE.starts_on, PHASE.ends_on, budget=2_500_000)
    result = run([need(1), need(2), need(3)], [batch("B1")], phases=[poor])
    assert sorted(placed(result)) == ["need-1", "need-2"]  # 2 x 1,000,000 fits; the third would make 3,000,000
    assert result.waitlisted[0].reason == Blocker.BUDGET
    assert "budget of the phase of batch B1" in result.waitlisted[0].explanation.en


def test_the_phase_capacity_caps_all_its_batches_together():
    small = Phase("T1", PHASE.starts_on, PHASE.ends_on, budget=PHASE.budget, capacity=2)
    result = run([need(1), need(2), need(3)], [batch("B1"), batch("B2", start=date(2027, 4, 5))], phases=[small])
    assert len(result.placed) == 2
    assert result.waitlisted[0].reason == Blocker.PHASE_CAPACITY


def test_fair_share_holds_a_unit_back_while_another_waits_then_gives_it_what_is_left():
    needs = [need(1, unit="A", priority=9), need(2, unit="A", priority=8), need(3, unit="A", priority=7)]
    needs.append(need(4, unit="B", priority=1))
    result = run(needs, [batch("B1", capacity=2)], policy=Policy(unit_share=0.5))
    assert placed(result) == {"need-1": "B1", "need-4": "B1"}  # unit A's second need yields to unit B
    assert {d.need_id: d.reason for d in result.waitlisted} == {"need-2": Blocker.CAPACITY, "need-3": Blocker.CAPACITY}

    roomy = run(needs, [batch("B1", capacity=4)], policy=Policy(unit_share=0.5))
    assert set(placed(roomy)) == {"need-1", "need-2", "need-4", "need-3"}  # no seat left idle
    beyond = next(d for d in roomy.decisions if d.need_id == "need-3")  # A had 2 of 4 seats, its cap
    assert "Beyond the unit's fair share" in beyond.explanation.en


def test_nobody_sits_in_two_overlapping_batches():
    leadership = programme("LEAD", {"M.01": 3})
    batches = [batch("PRIMA-1", days=5), batch("LEAD-1", leadership, start=date(2027, 3, 10))]
    same_person = "199002202015032001"
    needs = [need(1, nip=same_person, priority=2), need(2, nip=same_person, competency="M.01", priority=1)]
    result = run(needs, batches)
    assert placed(result) == {"need-1": "PRIMA-1"}
    assert result.waitlisted[0].reason == Blocker.OVERLAP
    assert "overlaps another batch" in result.waitlisted[0].explanation.en


def test_two_needs_one_batch_covers_share_one_seat():
    both = programme("BOTH", {"M.05": 3, "M.01": 3}, cost=2_000_000)
    same_person = "199002202015032001"
    needs = [need(1, nip=same_person, priority=2), need(2, nip=same_person, competency="M.01", priority=1)]
    result = run(needs, [batch("BOTH-1", both)])
    assert result.new_seats == {("BOTH-1", same_person): ["need-1", "need-2"]}
    assert result.decisions[1].joined_seat and "no extra seat or cost" in result.decisions[1].explanation.en


def test_re_planning_keeps_every_seat_and_only_decides_what_is_new():
    batches = [batch("B1", capacity=2), batch("B2", start=date(2027, 4, 5), capacity=2)]
    first = run([need(1), need(2)], batches)
    seats = [Seat(b, nip, "PKM-A", tuple(ids), 1_000_000) for (b, nip), ids in first.new_seats.items()]
    again = run([need(1), need(2)], batches, seats=seats)
    assert again.decisions == [] and again.new_seats == {}  # idempotent: nothing to decide, nothing written

    # A more urgent need arriving later takes a free seat; it does not push anyone out.
    later = run([need(1), need(2), need(3, priority=99)], batches, seats=seats)
    assert placed(later) == {"need-3": "B2"}


def test_after_a_cancellation_its_needs_are_placed_in_another_batch():
    batches = [batch("B1", capacity=2), batch("B2", start=date(2027, 4, 5), capacity=2)]
    first = run([need(1), need(2)], batches)
    assert set(placed(first).values()) == {"B1"}
    # B1 cancelled: its seats are withdrawn, so they are no longer held, and B1 is not offered.
    replanned = run([need(1), need(2)], [batches[1]])
    assert placed(replanned) == {"need-1": "B2", "need-2": "B2"}


def test_a_person_who_withdrew_from_a_batch_is_not_put_back_into_it():
    result = run([need(1)], [batch("B1"), batch("B2", start=date(2027, 4, 5))], withdrawn=[("B1", need(1).nip)])
    assert placed(result) == {"need-1": "B2"}
    alone = run([need(1)], [batch("B1")], withdrawn=[("B1", need(1).nip)])
    assert alone.waitlisted[0].reason == Blocker.SEAT_BEFORE


def test_a_jp_shortfall_is_met_by_any_batch_earning_enough_jp_or_by_a_seat_already_held():
    short = programme("SHORT", {"M.07": 2}, jp=8, cost=0)
    enough = programme("ENOUGH", {"M.07": 2}, jp=16, cost=500_000)
    same_person = "199002202015032001"
    jp_need = need(2, nip=same_person, competency="JP", level=None, shortfall=12)
    result = run([jp_need], [batch("SHORT-1", short), batch("ENOUGH-1", enough, start=date(2027, 4, 5))])
    assert placed(result) == {"need-2": "ENOUGH-1"}
    assert "earns 16 JP (12 JP short)" in result.decisions[0].explanation.en

    # Already proposed for a 24-JP programme: the JP need rides on that seat.
    prima = run([need(1, nip=same_person, priority=5), jp_need], [batch("PRIMA-1"), batch("ENOUGH-1", enough)])
    assert placed(prima) == {"need-1": "PRIMA-1", "need-2": "PRIMA-1"}
    assert prima.new_seats == {("PRIMA-1", same_person): ["need-1", "need-2"]}


def test_no_programme_and_no_batch_are_told_apart():
    nothing = run([need(1, competency="T.99")], [batch("B1")])
    assert nothing.waitlisted[0].reason == Blocker.NO_PROGRAMME
    assert nothing.waitlisted[0].explanation.en == "No ready programme covers T.99 up to level 3."
    unscheduled = run([need(1)], [], programmes=[PRIMA])
    assert unscheduled.waitlisted[0].reason == Blocker.NO_BATCH


def test_a_closed_batch_holds_its_seats_and_money_but_takes_nobody():
    closed = Batch("OLD", "T1", PRIMA, date(2027, 3, 1), date(2027, 3, 3), 30, accepting=False)
    poor = Phase("T1", PHASE.starts_on, PHASE.ends_on, budget=1_500_000)
    spent = [Seat("OLD", "X" * 18, "PKM-A", ("old",), 1_000_000)]
    result = run([need(1)], [closed, batch("B1")], phases=[poor], seats=spent)
    assert result.waitlisted[0].reason == Blocker.BUDGET


def test_held_back_by_fair_share_a_person_still_gets_one_seat_for_two_needs():
    both = programme("BOTH", {"M.01": 2, "M.02": 2})
    deeper = programme("DEEPER", {"M.02": 3})
    batches = [batch("Z", both, capacity=2), batch("W", deeper, capacity=2)]
    b = "199002202015032001"
    needs = [
        need(1, competency="M.01", level=2, priority=9),  # another of the unit takes Z's fair share
        need(2, competency="M.02", level=3, priority=8),  # ... and W's
        need(3, nip=b, competency="M.01", level=2, priority=5),
        need(4, nip=b, competency="M.02", level=2, priority=4),
    ]
    result = run(needs, batches, policy=Policy(unit_share=0.5))
    assert placed(result)["need-3"] == placed(result)["need-4"] == "Z"
    assert result.new_seats[("Z", b)] == ["need-3", "need-4"]  # one seat, one cost


def test_a_completed_seat_serves_its_needs_and_a_failed_one_sends_them_back():
    same_person = "199002202015032001"
    b1, b2 = batch("B1"), batch("B2", start=date(2027, 4, 5))
    done = Seat("B1", same_person, "PKM-A", ("need-1",), 1_000_000, status="completed")
    # A later need the finished batch would have covered does not ride on the finished seat.
    later = run([need(1, nip=same_person), need(2, nip=same_person, competency="M.05")], [b1, b2], seats=[done])
    assert placed(later) == {"need-2": "B2"}

    failed = Seat("B1", same_person, "PKM-A", ("need-1",), 1_000_000, status="failed")
    again = run([need(1, nip=same_person)], [b1, b2], seats=[failed])
    assert placed(again) == {"need-1": "B2"}  # planned again, but not into the batch they failed
    only_b1 = run([need(1, nip=same_person)], [b1], seats=[failed])
    assert only_b1.waitlisted[0].reason == Blocker.SEAT_BEFORE


def test_a_jp_shortfall_no_programme_can_meet_says_so_in_jp():
    short = programme("SHORT", {"M.07": 2}, jp=8)
    result = run([need(1, competency="JP", level=None, shortfall=30)], [batch("S1", short)])
    assert result.waitlisted[0].explanation.en == (
        "No batch, nor combination of batches that do not overlap, earns at least 30 JP."
    )


def test_a_batch_that_is_closed_or_started_takes_nobody_new_even_with_room_and_money():
    started = Batch("STARTED", "T1", PRIMA, date(2027, 3, 1), date(2027, 3, 3), 30, accepting=False)
    result = run([need(1)], [started])
    assert result.waitlisted[0].reason == Blocker.NO_BATCH  # without the rule it would be placed there
    assert run([need(1)], [started, batch("B1")]).placed[0].batch_code == "B1"


def follow_up(n, *, form=None, excluded=None, level=3, **kw):
    return replace(need(n, level=level, **kw), forms=accepted_forms(form), excluded_program=excluded)


def test_a_coaching_follow_up_goes_to_coaching_or_mentoring_never_the_cheapest_classroom():
    classroom = programme("KELAS", {"M.05": 3}, cost=0)
    coaching = programme("COACH", {"M.05": 3}, cost=2_000_000, form="coaching")
    mentoring = programme("MENTOR", {"M.05": 3}, cost=1_500_000, form="mentoring")
    batches = [batch("KELAS-1", classroom), batch("COACH-1", coaching), batch("MENTOR-1", mentoring)]
    result = run([follow_up(1, form="coaching")], batches)
    assert placed(result) == {"need-1": "MENTOR-1"}  # mentoring is coaching's equivalent, and cheaper
    assert "of the form coaching, mentoring" in result.decisions[0].explanation.en
    assert placed(run([need(1)], batches)) == {"need-1": "KELAS-1"}  # without the remedy: the cheapest


def test_a_follow_up_no_batch_of_its_form_can_take_waits_saying_so_in_both_languages():
    classroom = programme("KELAS", {"M.05": 3}, cost=0)
    result = run([follow_up(1, form="coaching")], [batch("KELAS-1", classroom)])
    waiting = result.waitlisted[0]
    assert waiting.reason == Blocker.NO_FORM
    assert "no ready programme of the form coaching, mentoring" in waiting.explanation.en
    assert "berbentuk coaching, mentoring" in waiting.explanation.id
    # A coaching programme exists but has no batch yet: that is said too, naming the form.
    coaching = programme("COACH", {"M.05": 3}, form="coaching")
    unscheduled = run([follow_up(1, form="coaching")], [batch("KELAS-1", classroom)], programmes=[coaching])
    assert unscheduled.waitlisted[0].reason == Blocker.NO_BATCH
    assert "programmes of the form coaching, mentoring exist" in unscheduled.waitlisted[0].explanation.en


def test_a_follow_up_for_a_level_3_post_never_lands_in_a_level_1_programme():
    basic = programme("DASAR", {"M.05": 1}, cost=0)
    result = run([follow_up(1, level=3)], [batch("DASAR-1", basic), batch("PRIMA-1")])
    assert placed(result) == {"need-1": "PRIMA-1"}
    assert "(3 needed)" in result.decisions[0].explanation.en


def test_a_need_without_a_required_level_is_not_read_as_level_1():
    basic = programme("DASAR", {"M.05": 1}, cost=0)
    result = run([need(1, level=None)], [batch("DASAR-1", basic)])
    waiting = result.waitlisted[0]
    assert waiting.reason == Blocker.NO_LEVEL
    assert "level needed in M.05 is not known" in waiting.explanation.en


def test_a_content_mismatch_follow_up_never_goes_back_into_the_programme_that_did_not_fit():
    other = programme("LAIN", {"M.05": 3}, cost=3_000_000)
    batches = [batch("PRIMA-2"), batch("LAIN-1", other)]
    result = run([follow_up(1, excluded="PRIMA")], batches)
    assert placed(result) == {"need-1": "LAIN-1"}  # PRIMA is cheaper, but its content did not fit
    assert "other than PRIMA" in result.decisions[0].explanation.en
    only_same = run([follow_up(1, excluded="PRIMA")], [batch("PRIMA-2")])
    assert only_same.waitlisted[0].reason == Blocker.NO_PROGRAMME
    assert "programme other than PRIMA" in only_same.waitlisted[0].explanation.en


PPPK_NIP = "199002202019032001"


def test_a_pppk_is_never_given_more_than_24_jp_a_year():
    # 16 JP already held; a 12-JP batch would make 28 > 24 (PP 49/2018); an 8-JP one makes exactly 24.
    sixteen = programme("ENAM-BELAS", {"M.01": 2}, jp=16)
    twelve = programme("DUA-BELAS", {"M.05": 3}, jp=12, cost=0)
    eight = programme("DELAPAN", {"M.05": 3}, jp=8, cost=500_000)
    held = Seat("HELD-1", PPPK_NIP, "PKM-A", ("need-0",), 1_000_000)
    batches = [batch("HELD-1", sixteen, start=date(2027, 3, 1), days=1), batch("TWELVE", twelve), batch("EIGHT", eight)]
    pppk = replace(need(1, nip=PPPK_NIP), employment_type="PPPK")
    assert placed(run([pppk], batches, seats=[held])) == {"need-1": "EIGHT"}
    only_twelve = run([pppk], batches[:2], seats=[held])
    assert only_twelve.waitlisted[0].reason == Blocker.JP_CAP
    assert "past 24 JP a year (PP 49/2018)" in only_twelve.waitlisted[0].explanation.en
    # A PNS has no such cap: the cheaper 12-JP batch.
    pns = replace(need(1, nip=PPPK_NIP), employment_type="PNS")
    assert placed(run([pns], batches, seats=[held])) == {"need-1": "TWELVE"}


def jp_need(shortfall, *, nip="199002202015032001", **kw):
    return replace(need(1, nip=nip, competency="JP", level=None, shortfall=shortfall), **kw)


def test_a_20_jp_shortfall_is_met_by_a_12_and_an_8_jp_batch_that_do_not_overlap():
    twelve = programme("DUA-BELAS", {"M.07": 2}, jp=12, cost=1_000_000)
    eight = programme("DELAPAN", {"M.07": 2}, jp=8, cost=500_000)
    batches = [
        batch("D12-A", twelve, start=date(2027, 3, 8)),  # 8-10 March
        batch("D8-A", eight, start=date(2027, 3, 9)),  # 9-11 March: overlaps D12-A
        batch("D8-B", eight, start=date(2027, 4, 5)),
        batch("D12-B", twelve, start=date(2027, 5, 3)),
    ]
    result = run([jp_need(20)], batches)
    decision = result.placed[0]
    # 12 + 8 = 20 is the smallest total reaching 20 (12 + 12 = 24, 8 + 8 + 8 = 24); D8-A overlaps D12-A,
    # so D12-A + D8-B (1.5 M, over by 7 April) beats D8-A + D12-B (1.5 M, over by 5 May).
    assert decision.batch_codes == ("D12-A", "D8-B")
    assert set(result.new_seats) == {("D12-A", "199002202015032001"), ("D8-B", "199002202015032001")}
    assert "20 JP short are met by 2 batches together, 20 JP in all" in decision.explanation.en
    assert "D12-A (programme DUA-BELAS, 12 JP" in decision.explanation.en and "D8-B (programme DELAPAN, 8 JP" in (
        decision.explanation.en
    )


def test_a_combination_stays_within_budget_and_the_pppk_cap():
    twelve = programme("DUA-BELAS", {"M.07": 2}, jp=12, cost=1_000_000)
    eight = programme("DELAPAN", {"M.07": 2}, jp=8, cost=500_000)
    batches = [batch("D12", twelve), batch("D8", eight, start=date(2027, 4, 5))]
    poor = Phase("T1", PHASE.starts_on, PHASE.ends_on, budget=1_200_000)  # pays one, not both (1.5 M)
    assert run([jp_need(20)], batches, phases=[poor]).waitlisted[0].reason == Blocker.NO_PROGRAMME
    # A PPPK who already holds 8 JP may be given 16 more: 12 + 8 = 20 would make 28.
    held_eight = programme("PAGI", {"M.01": 2}, jp=8)
    pppk_batches = [*batches, batch("HELD", held_eight, start=date(2027, 6, 1), days=1)]
    held = Seat("HELD", PPPK_NIP, "PKM-A", ("other",), 1_000_000)
    pppk = jp_need(20, nip=PPPK_NIP, employment_type="PPPK")
    assert run([pppk], pppk_batches, seats=[held]).placed == []
