"""Message templates per event type, in Bahasa Indonesia and English. Pure: payload in, notices out.
One module per producer; the renderers are named here, the one place main.py and the tests take them from."""

from services.notifications.templates.evaluation import (
    adoption_item_opened,
    evaluation_due,
    evaluation_escalated,
    evaluation_submitted,
    remedy_action_opened,
)
from services.notifications.templates.needs import need_facts, need_identified, need_resolved, need_updated
from services.notifications.templates.training import certificate_revoked, enrolment_changed, program_completed

__all__ = [
    "adoption_item_opened",
    "certificate_revoked",
    "enrolment_changed",
    "evaluation_due",
    "evaluation_escalated",
    "evaluation_submitted",
    "need_facts",
    "need_identified",
    "need_resolved",
    "need_updated",
    "program_completed",
    "remedy_action_opened",
]
