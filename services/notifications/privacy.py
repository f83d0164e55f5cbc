"""Personal data in the notifications service: contact details and messages, erased outright."""

from __future__ import annotations

from services.notifications.documents import (
    DeliveryDocument,
    DigestDocument,
    DigestEntryDocument,
    MessageDocument,
    NeedToldDocument,
    PersonDocument,
    SiasnEntryDocument,
)
from shared.audit.subjects import DataKind, OnErasure


def data_kinds() -> list[DataKind]:
    return [
        DataKind(
            "directory",
            PersonDocument,
            ("_id",),
            OnErasure.DELETE,
            "Name, e-mail, language and channels exist only to reach the person.",
            rectifies={"unit_code": "unit_code"},
        ),
        DataKind(
            "messages",
            MessageDocument,
            ("recipient_nip",),
            OnErasure.DELETE,
            "Inbox messages tell the person what happened; they are no record of it (the events' owners keep that).",
            retention_field="created_at",
            retention_days=365,
        ),
        DataKind(
            "messages_about",
            MessageDocument,
            ("subject",),
            OnErasure.PSEUDONYMISE,
            "Messages to others (the supervisor, the unit head) about the person: theirs to keep until the "
            "messages' retention ends; the person's NIP in them is replaced.",
            exported=False,
            pseudonymise_all=False,
        ),
        DataKind(
            "deliveries",
            DeliveryDocument,
            ("recipient_nip",),
            OnErasure.DELETE,
            "E-mails (address, text) and their delivery log serve the sending only.",
            retention_field="created_at",
            retention_days=90,
        ),
        DataKind(
            "digest_entries",
            DigestEntryDocument,
            ("recipient_nip",),
            OnErasure.DELETE,
            "Notices waiting for the daily digest.",
            retention_field="created_at",
            retention_days=90,
        ),
        DataKind(
            "needs_told",
            NeedToldDocument,
            ("facts.nip", "facts.supervisor_nip"),
            OnErasure.DELETE,
            "What was told of each need, kept only to word a re-announcement as an update; without it the "
            "next announcement is simply told as new.",
            exported=False,
            retention_field="identified_at",
            retention_days=365,
        ),
        DataKind(
            "siasn_entries",
            SiasnEntryDocument,
            ("nip",),
            OnErasure.DELETE,
            "A copy of the completion kept to send it to SIASN and show the outcome; the training history "
            "itself is BKN's (SIASN) and the training service's.",
            retention_field="created_at",
            retention_days=730,
        ),
        DataKind(
            "digests",
            DigestDocument,
            ("recipient_nip",),
            OnErasure.DELETE,
            "Daily digests sent to the person.",
            retention_field="created_at",
            retention_days=90,
        ),
    ]
