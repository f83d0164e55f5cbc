"""`make up`'s last step: the Medan demo data loads into the running services, and loading it again
changes nothing (the README's first command depends on it: a rule added to the services and not to the
demo data once stopped `make up` there)."""

import importlib.util
import json
from pathlib import Path

import httpx

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def demo_loader():
    spec = importlib.util.spec_from_file_location("demo_data", SCRIPTS / "demo_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_medan_demo_data_loads_and_loads_again_unchanged(start_service, admin):
    needs, training = start_service("needs"), start_service("training")
    data = json.loads((SCRIPTS / "demo" / "medan.json").read_text())
    loader = demo_loader()
    counts = loader.load(needs.url, training.url, data, 2027)
    assert counts["batches"] == len(data["plan"]["batches"]) and counts["employees"] == len(data["employees"])
    again = loader.load(needs.url, training.url, data, 2027)
    assert again == counts
    with httpx.Client(base_url=training.url, headers=admin, timeout=30) as http:
        visit = http.get("/batches/2027-PATOK-MPP-A1").json()
        assert visit["host_code"] == "BANYUWANGI"
        assert http.get("/batches", params={"fiscal_year": 2027}).json()["total"] == len(data["plan"]["batches"])
