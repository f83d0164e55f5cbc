"""MongoDB documents of the notifications service (database alias ``notifications``)."""

from __future__ import annotations

from mongoengine import DateTimeField, Document, StringField

from shared.persistence import document_meta

ALIAS = "notifications"


class MessageDocument(Document):
    meta = document_meta(ALIAS, "messages", ("recipient_nip", "-created_at"), ("recipient_nip", "read_at"))

    id = StringField(primary_key=True)  # templates.message_id(event, recipient, channel)
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


ALL_DOCUMENTS = (MessageDocument,)
