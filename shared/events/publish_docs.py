"""Generate the public contract documents from the code: one JSON Schema per event and an AsyncAPI 3.0
document for systems that subscribe to the events. ``make schemas`` writes them; a test fails when the
checked-in files differ from what the code generates.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from shared.events import ALL_CONTRACTS
from shared.events.contracts import CONTENT_TYPE, CORRELATION_HEADER, SPEC_VERSION, EventContract

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = Path(__file__).with_name("schemas")
ASYNCAPI_FILE = REPO / "docs" / "asyncapi.json"


def cloudevents_headers(contract: EventContract[Any]) -> dict[str, Any]:
    """The Kafka headers of the CloudEvents binary content mode, as a JSON Schema."""
    return {
        "type": "object",
        "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type"],
        "properties": {
            "ce_specversion": {"const": SPEC_VERSION},
            "ce_id": {"type": "string", "description": "Unique per source; consumers deduplicate on it"},
            "ce_source": {"const": contract.source, "description": "Only this source may publish the type"},
            "ce_type": {"const": contract.type},
            "ce_time": {"type": "string", "format": "date-time"},
            "ce_subject": {"type": "string", "description": "NIP of the employee, or the unit code"},
            "ce_dataschema": {"const": contract.dataschema},
            CORRELATION_HEADER: {"type": "string", "description": "Correlation id of the request that caused it"},
            "content-type": {"const": CONTENT_TYPE},
        },
    }


def channel_name(contract: EventContract[Any]) -> str:
    """The contract's name, with its producer when several services publish an event of that name
    (each on its own topic, e.g. DataSubjectRequestHandled)."""
    if sum(c.name == contract.name for c in ALL_CONTRACTS) > 1:
        return f"{contract.name}.{contract.producer}"
    return contract.name


def asyncapi_document() -> dict[str, Any]:
    broker = KafkaBroker("kafka:9092")
    for contract in ALL_CONTRACTS:
        broker.publisher(
            contract.topic, title=channel_name(contract), description=contract.summary, schema=contract.model
        )
    spec: dict[str, Any] = (
        AsyncAPI(
            broker,
            title="BKPSDM Kota Medan — ASN competency development events",
            version="1.0.0",
            description=(
                "Events of the competency-development cycle of Medan's civil servants. Each event is a "
                "CloudEvents 1.0 record in Kafka binary content mode: attributes in ce_* headers, the JSON "
                "payload as the value, the employee's NIP (or the unit code) as the key. Consume "
                "at-least-once and deduplicate on ce_id."
            ),
        )
        .to_specification()
        .to_jsonable()
    )
    spec["servers"] = {
        "production": {"host": "kafka:9092", "protocol": "kafka", "description": "Set by the deployment"}
    }
    for contract in ALL_CONTRACTS:
        channel = channel_name(contract)
        spec["channels"][channel]["servers"] = [{"$ref": "#/servers/production"}]
        message = spec["components"]["messages"][f"{channel}:Message"]
        message["name"] = contract.name
        message["contentType"] = CONTENT_TYPE
        message["headers"] = cloudevents_headers(contract)
        message["correlationId"] = {"location": f"$message.header#/{CORRELATION_HEADER}"}
        message["bindings"] = {"kafka": {"key": {"type": "string", "description": "NIP, or unit code"}}}
    return spec


def documents() -> dict[Path, str]:
    """Every generated file and its exact content."""
    files = {
        SCHEMA_DIR / c.schema_filename: json.dumps(c.json_schema(), indent=2, ensure_ascii=False) + "\n"
        for c in ALL_CONTRACTS
    }
    # Sorted keys: FastStream builds channels from sets, so their order varies between runs.
    files[ASYNCAPI_FILE] = json.dumps(asyncapi_document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return files


def main() -> int:
    for path, content in documents().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
