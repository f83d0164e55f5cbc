"""The topic of a service's answers to data-subject requests is created like every other topic: over the
cluster's TLS and SASL when it has them (production: SASL_SSL with SCRAM)."""

import shared.runtime
from services.training.privacy import data_kinds
from shared.audit.settings import PrivacySettings
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings


def test_the_answer_topic_is_created_with_the_clusters_security_options(monkeypatch):
    created = []
    monkeypatch.setattr(shared.runtime, "ensure_topics", lambda *a, **options: created.append(options))
    settings = ServiceSettings(
        service_name="training",
        http_port=1,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username="training",
        kafka_sasl_password="s3cret",
    )
    privacy = PrivacySettings(privacy_topic_retention_ms=60_000)
    runtime = ServiceRuntime(
        settings, produces=[], documents=[], outbox_documents=[], personal_data=data_kinds(), privacy=privacy
    )
    runtime.create_privacy_topic()
    (options,) = created
    assert options["retention_ms"] == 60_000
    assert options["client_options"]["security_protocol"] == "SASL_PLAINTEXT"
    assert options["client_options"]["sasl_plain_username"] == "training"
