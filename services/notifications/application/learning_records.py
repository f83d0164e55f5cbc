"""Learning records for the configured LRS: completions (with the pre- and post-test), attendance and the
four evaluation levels become xAPI 1.0.3 statements (``shared.interop.xapi``), each recorded as one
delivery on the ``xapi`` channel and sent by the dispatcher like a webhook call: retried with backoff,
dead after the last attempt, replayable.

Nothing is sent twice as a new statement: the delivery's id is the statement's id, uuid5 of the event id
and the statement's kind, so a redelivered event meets its own key (``insert_once``) and a resend after a
crash mid-send carries the same statement id, which the LRS stores once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from services.notifications import domain
from services.notifications.application.records import insert_once
from services.notifications.documents import DeliveryDocument
from services.notifications.domain import DeliveryStatus
from shared.events import EventContext, EventPayload
from shared.interop.xapi import XapiProfile, statements_for
from shared.messaging.outbox import Notify


class LearningRecords:
    def __init__(self, *, profile: XapiProfile, lrs_endpoint: str, wake_dispatcher: Notify) -> None:
        self.profile = profile
        self.lrs_endpoint = lrs_endpoint
        self.wake_dispatcher = wake_dispatcher

    def handler(self) -> Callable[[EventPayload, EventContext], None]:
        """A consumer handler for ProgramCompleted, EnrolmentChanged and EvaluationSubmitted. At least once
        from the consumer (its offset is committed after this returns); once per statement from the keys."""

        def handle(event: EventPayload, ctx: EventContext) -> None:
            now = datetime.now(UTC)
            statements = statements_for(event, event_id=ctx.id, event_time=ctx.time, profile=self.profile)
            for statement in statements:
                insert_once(
                    DeliveryDocument(
                        id=statement.id,
                        channel=domain.XAPI,
                        event_id=ctx.id,
                        event_type=ctx.type,
                        # The learner (the NIP the statement names): erased with their other deliveries.
                        recipient_nip=statement.body["actor"]["account"]["name"],
                        subject=statement.kind,
                        url=self.lrs_endpoint,
                        body=json.dumps(statement.body, ensure_ascii=False),
                        status=DeliveryStatus.PENDING,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
            if statements:
                self.wake_dispatcher()

        return handle
