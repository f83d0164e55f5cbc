"""Load the Medan demo data (scripts/demo/medan.json) into running services through their HTTP APIs.

Idempotent: every call is a PUT of the same record (assessments are keyed by their date, the 15th of
January of the plan's year), so running it twice changes nothing. The plan is for next year by default:
the one BKPSDM drafts now, whose batches have not started.
    python scripts/demo_data.py [--needs-url URL] [--training-url URL] [--year YEAR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx

from shared.domain import clock
from shared.http.auth import Role, mint_token
from shared.settings import ServiceSettings

DATA = Path(__file__).with_name("demo") / "medan.json"


def _call(client: httpx.Client, method: str, url: str, body: dict[str, Any], *, keep_existing: bool = False) -> Any:
    response = client.request(method, url, json=body)
    if keep_existing and response.status_code == 409:
        return None  # e.g. a batch that has run or was cancelled since the demo was loaded: left as it is
    if response.status_code >= 400:
        raise SystemExit(f"{method} {url} failed with {response.status_code}: {response.text}")
    return response.json()


def _put(client: httpx.Client, url: str, body: dict[str, Any]) -> Any:
    return _call(client, "PUT", url, body)


def _post(client: httpx.Client, url: str, body: dict[str, Any]) -> Any:
    return _call(client, "POST", url, body)


def load(needs_url: str, training_url: str, data: dict[str, Any], year: int) -> dict[str, int]:
    settings = ServiceSettings(service_name="demo-loader", http_port=1)
    admin = data["admin"]
    token = mint_token(settings, nip=admin["nip"], roles=[Role.BKPSDM_ADMIN], unit_code=admin["unit"])
    counts: dict[str, int] = {}
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        # Parents before children: a unit may only name an existing parent.
        units = sorted(data["units"], key=lambda u: u.get("parent_code") is not None)
        for unit in units:
            _put(client, f"{needs_url}/units/{unit['code']}", {k: v for k, v in unit.items() if k != "code"})
        for comp in data["technical_competencies"]:
            _put(client, f"{needs_url}/competencies/{comp['code']}", {k: v for k, v in comp.items() if k != "code"})
        for pos in data["positions"]:
            _put(client, f"{needs_url}/positions/{pos['code']}", {k: v for k, v in pos.items() if k != "code"})
        for emp in data["employees"]:
            _put(client, f"{needs_url}/employees/{emp['nip']}", {k: v for k, v in emp.items() if k != "nip"})
        # A partner curriculum, reviewed and approved, so the programme built on it takes participants.
        for cur in data["curricula"]:
            body = {k: cur[k] for k in ("title", "partner", "institution")}
            _put(client, f"{training_url}/curricula/{cur['code']}", body)
            current = client.get(f"{training_url}/curricula/{cur['code']}").json()
            if not any(v["status"] == "approved" for v in current["versions"]):
                version = _post(client, f"{training_url}/curricula/{cur['code']}/versions", {"modules": cur["modules"]})
                number = len(version["versions"])
                for action in ("submit", "approve"):
                    _post(
                        client,
                        f"{training_url}/curricula/{cur['code']}/versions/{number}/review",
                        {"action": action, "note": "demo"},
                    )
        for prog in data["programs"]:
            _put(client, f"{training_url}/programs/{prog['code']}", {k: v for k, v in prog.items() if k != "code"})
        # Benchmarking visits go to a registered host with its evidence (the batch names it).
        for host in data.get("hosts", []):
            _put(client, f"{training_url}/hosts/{host['code']}", {k: v for k, v in host.items() if k != "code"})
        # The year's plan first, so the needs the assessments raise find their batches.
        for phase in data["plan"]["phases"]:
            body = {
                "fiscal_year": year,
                "title": phase["title"],
                "starts_on": f"{year}-{phase['starts']}",
                "ends_on": f"{year}-{phase['ends']}",
                "budget": phase["budget"],
                "capacity": phase.get("capacity"),
            }
            _put(client, f"{training_url}/phases/{year}-{phase['code']}", body)
        for batch in data["plan"]["batches"]:
            body = {k: v for k, v in batch.items() if k not in ("code", "phase", "starts", "ends")}
            body |= {"phase_code": f"{year}-{batch['phase']}", "starts_on": f"{year}-{batch['starts']}"}
            url = f"{training_url}/batches/{year}-{batch['code']}"
            _call(client, "PUT", url, body | {"ends_on": f"{year}-{batch['ends']}"}, keep_existing=True)
        for assessment in data["assessments"]:
            _post(client, f"{needs_url}/assessments", assessment | {"assessed_on": f"{year}-01-15"})
    counts["phases"], counts["batches"] = len(data["plan"]["phases"]), len(data["plan"]["batches"])
    for key in ("units", "technical_competencies", "positions", "employees", "curricula", "programs", "assessments"):
        counts[key] = len(data[key])
    return counts


def main() -> int:
    host = os.environ.get("HTTP_HOST", "127.0.0.1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs-url", default=f"http://{host}:{os.environ.get('NEEDS_PORT', '8001')}")
    parser.add_argument("--training-url", default=f"http://{host}:{os.environ.get('TRAINING_PORT', '8002')}")
    parser.add_argument(
        "--year",
        type=int,
        default=clock.today().year + 1,
        help="fiscal year of the plan and of the assessments' needs (default: next year, the plan being drafted)",
    )
    args = parser.parse_args()
    counts = load(args.needs_url, args.training_url, json.loads(DATA.read_text()), args.year)
    print("demo data loaded: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
