from collections import Counter
from importlib import import_module

SERVICES = ("needs", "training", "evaluation", "notifications")


def test_no_two_services_share_a_document_class_name():
    # mongoengine keeps one registry of document class names per process; a clash leaves one service's
    # documents holding a closed connection after the other disconnects (tests run several in-process).
    names = Counter(doc.__name__ for s in SERVICES for doc in import_module(f"services.{s}.documents").ALL_DOCUMENTS)
    assert [name for name, n in names.items() if n > 1] == []
