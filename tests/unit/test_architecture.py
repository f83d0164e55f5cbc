"""The layering the README promises, checked: pure domains load no framework."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("pydantic", "mongoengine", "fastapi", "faststream", "pymongo", "starlette")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def pure_modules() -> list[str]:
    """Every service's domain, the planner, and the modules that say they are pure (rules in, rows out)."""
    domains = sorted(ROOT.glob("services/*/domain.py"))
    assert len(domains) >= 4, "every service has its pure rules in domain.py"
    others = [
        "services.needs.sources",
        "services.needs.imports",
        "services.needs.reports",
        "services.training.plan.planner",
        "services.training.reports",
        "services.evaluation.schedule",
        "services.evaluation.analytics",
        "services.evaluation.reports",
    ]
    return [*map(module_name, domains), *others]


def loaded_after_importing(modules: list[str]) -> set[str]:
    """The top-level packages a fresh interpreter holds after importing ``modules``."""
    probe = f"import sys\nfor m in {modules!r}: __import__(m)\nprint(*{{n.split('.')[0] for n in sys.modules}})"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_no_domain_loads_a_framework():
    found = {m: sorted(loaded_after_importing([m]) & set(FRAMEWORKS)) for m in pure_modules()}
    assert {m: frameworks for m, frameworks in found.items() if frameworks} == {}
