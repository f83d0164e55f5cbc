"""MongoDB documents of the notifications service (database alias ``notifications``).

Exactly one notification per (event, recipient, channel) comes from the ids: every message, delivery and
digest entry has ``_id = domain.message_id(event, recipient, channel)`` (a webhook's recipient is its
subscription), inserted with ``force_insert``, so a redelivered event meets a duplicate key and adds
nothing. What reaches the outside (an e-mail, a webhook call) is then sent from the delivery record by
the dispatcher, at least once; the delivery id travels with it (Message-ID, X-Bkpsdm-Delivery-Id) so a
receiver can drop the rare repeat after a crash mid-send.
"""

from __future__ import annotations

from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    Document,
    EmbeddedDocument,
    EmbeddedDocumentField,
    IntField,
    ListField,
    StringField,
)

from services.notifications.domain import DeliveryStatus
from shared.persistence import document_meta

ALIAS = "notifications"


class MessageDocument(Document):
    meta = document_meta(ALIAS, "messages", ("recipient_nip", "-created_at"), ("recipient_nip", "read_at"))

    id = StringField(primary_key=True)  # domain.message_id(event, recipient, channel)
    recipient_nip = StringField(required=True)
    channel = StringField(required=True)
    role = StringField(required=True)
    event_id = StringField(required=True)
    event_type = StringField(required=True)
    subject = StringField(required=True)
    title_id = StringField(required=True)
    body_id = StringField(required=True)
    title_en = StringField(required=True)
    body_en = StringField(required=True)
    created_at = DateTimeField(required=True)
    read_at = DateTimeField()


class PersonDocument(Document):
    """The directory: contact details, preferences and the roles routing asks about."""

    meta = document_meta(ALIAS, "people", "head_of_units", "bkpsdm_admin", "digest", "unit_code")

    id = StringField(primary_key=True)  # NIP
    name = StringField()
    email = StringField()
    language = StringField(required=True, choices=("id", "en"))
    channels = ListField(StringField(choices=("inbox", "email")))
    digest = BooleanField(default=False)
    unit_code = StringField()
    head_of_units = ListField(StringField())
    bkpsdm_admin = BooleanField(default=False)
    updated_at = DateTimeField(required=True)


class WebhookSubscriptionDocument(Document):
    meta = document_meta(ALIAS, "webhook_subscriptions", "event_types", "active")

    id = StringField(primary_key=True)
    url = StringField(required=True)
    secret = StringField(required=True)
    event_types = ListField(StringField(), required=True)
    description = StringField()
    active = BooleanField(default=True)
    created_by = StringField(required=True)
    created_at = DateTimeField(required=True)


class DeliveryAttempt(EmbeddedDocument):
    at = DateTimeField(required=True)
    accepted = BooleanField(required=True)
    status_code = IntField()
    error = StringField()
    duration_ms = IntField(required=True)


class DeliveryDocument(Document):
    """One e-mail, webhook call or xAPI statement to send, and the log of attempts at it."""

    meta = document_meta(
        ALIAS, "deliveries", ("status", "channel", "next_attempt_at"), "event_id", "subscription_id", "recipient_nip"
    )

    id = StringField(primary_key=True)  # domain.message_id(event or digest, recipient or subscription, channel)
    channel = StringField(required=True, choices=("email", "webhook", "xapi"))
    event_id = StringField(required=True)
    event_type = StringField(required=True)
    recipient_nip = StringField()  # e-mail
    address = StringField()  # e-mail
    language = StringField()  # e-mail
    subject = StringField()  # e-mail; xapi: the statement's kind (completed, post-test, ...)
    body = StringField(required=True)  # e-mail text, the webhook's JSON body, or the xAPI statement
    subscription_id = StringField()  # webhook
    url = StringField()  # webhook
    headers = DictField()  # webhook: the CloudEvents attributes (ce-*)
    status = StringField(required=True, choices=[s.value for s in DeliveryStatus])
    attempts = IntField(default=0)
    # Due time of the next attempt; pushed ahead while an attempt is in flight (a lease), so a crashed
    # dispatcher's claim expires and the delivery is tried again.
    next_attempt_at = DateTimeField(required=True)
    log = ListField(EmbeddedDocumentField(DeliveryAttempt))
    created_at = DateTimeField(required=True)
    delivered_at = DateTimeField()
    dead_at = DateTimeField()
    replays = IntField(default=0)


class DigestEntryDocument(Document):
    """A notice waiting for its recipient's next daily digest."""

    meta = document_meta(ALIAS, "digest_entries", ("recipient_nip", "included"))

    id = StringField(primary_key=True)  # domain.message_id(event, recipient, "digest")
    recipient_nip = StringField(required=True)
    event_id = StringField(required=True)
    event_type = StringField(required=True)
    title_id = StringField(required=True)
    body_id = StringField(required=True)
    title_en = StringField(required=True)
    body_en = StringField(required=True)
    created_at = DateTimeField(required=True)
    digest_id = StringField()  # the digest that claimed it
    included = BooleanField(default=False)  # true once that digest is recorded with this entry


class DigestDocument(Document):
    meta = document_meta(ALIAS, "digests", "recipient_nip")

    id = StringField(primary_key=True)  # digest-<day>-<nip>: one per person and day
    recipient_nip = StringField(required=True)
    day = StringField(required=True)
    entry_ids = ListField(StringField(), required=True)
    title_id = StringField(required=True)
    body_id = StringField(required=True)
    title_en = StringField(required=True)
    body_en = StringField(required=True)
    created_at = DateTimeField(required=True)


class NeedToldDocument(Document):
    """What the people concerned were told of one need (by need id), so a re-announcement is worded as
    an update or not sent. The decision is stored with the event that made it: a redelivery of that
    event repeats the decision (and meets its own message keys) instead of comparing with itself."""

    meta = document_meta(ALIAS, "needs_told")

    id = StringField(primary_key=True)  # need_id
    facts = DictField(required=True)  # templates.need_facts of the latest announcement
    event_id = StringField(required=True)  # the event that last decided
    identified_at = DateTimeField(required=True)
    kind = StringField(required=True, choices=("new", "update", "none"))
    previous = DictField()  # the facts told before that event (for an update's wording)


class SiasnAttempt(EmbeddedDocument):
    at = DateTimeField(required=True)
    status = StringField(required=True)  # sent, refused, retryable
    siasn_id = StringField()
    reason = StringField()
    reason_en = StringField()
    http_status = IntField()
    already_in_siasn = BooleanField(default=False)


class SiasnEntryDocument(Document):
    """One completion's entry in the person's SIASN training history, and what became of sending it. The
    completion itself is kept, not its SIASN body: the body is mapped when it is sent or exported, with the
    form-to-code table of that moment, so BKPSDM's correction of the table applies to what is not sent yet."""

    meta = document_meta(
        ALIAS, "siasn_entries", ("status", "next_attempt_at"), ("unit_code", "completed_on"), "nip", "-created_at"
    )

    id = StringField(primary_key=True)  # the enrolment id: one entry per seat completed
    event_id = StringField(required=True)
    nip = StringField(required=True)
    unit_code = StringField(required=True)
    completed_on = StringField(required=True)  # ISO date
    certificate_number = StringField(required=True)
    completion = DictField(required=True)  # the ProgramCompleted payload (JSON)
    status = StringField(required=True, choices=("pending", "sent", "refused", "retryable"))
    riwayat = StringField()  # kursus or diklat, as last mapped
    siasn_id = StringField()
    reason = StringField()
    reason_en = StringField()
    attempts = IntField(default=0)
    # Due time of the next attempt; pushed ahead while a sync holds it (a lease), like a delivery's.
    next_attempt_at = DateTimeField(required=True)
    log = ListField(EmbeddedDocumentField(SiasnAttempt))
    created_at = DateTimeField(required=True)
    sent_at = DateTimeField()


class SiasnTableDocument(Document):
    """One version of BKPSDM's form-to-jenisDiklatId table. Each edit inserts the next version and none is
    ever changed, so the versions are the record of who changed the table, when and why."""

    meta = document_meta(ALIAS, "siasn_tables")

    id = IntField(primary_key=True)  # version: 1, 2, ...
    table = DictField(required=True)  # the table as JenisDiklatTable.parse reads it
    changed_by = StringField(required=True)
    changed_at = DateTimeField(required=True)
    note = StringField()


ALL_DOCUMENTS = (
    MessageDocument,
    PersonDocument,
    WebhookSubscriptionDocument,
    DeliveryDocument,
    DigestEntryDocument,
    DigestDocument,
    NeedToldDocument,
    SiasnEntryDocument,
    SiasnTableDocument,
)
