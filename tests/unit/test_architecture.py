"""The layering the README promises, checked: pure domains load no framework, and nothing below the HTTP
edge (use cases, consumers, jobs, messaging) imports HTTP."""

import ast
import subprocess
import sys
from functools import cache
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
        "services.evaluation.actions",
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


HTTP = ("fastapi", "starlette", "shared.http")


@cache
def first_party() -> dict[str, Path]:
    found = {}
    for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]:
        name = module_name(path)
        found[name.removesuffix(".__init__")] = path
    return found


@cache
def imports_of(module: str) -> frozenset[str]:
    """What a module imports, as module names (``from a import b`` names a.b when that is a module)."""
    tree = ast.parse(first_party()[module].read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    # Importing a.b.c runs a and a.b first.
    return frozenset(n.rsplit(".", i)[0] for n in names for i in range(n.count(".") + 1))


def http_path(module: str, seen: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The chain of imports from ``module`` to HTTP code, if there is one."""
    for name in sorted(imports_of(module)):
        if name.startswith(HTTP):
            return (*seen, module, name)
        known = name in first_party() and name not in seen and name != module
        if known and (chain := http_path(name, (*seen, module))):
            return chain
    return None


def below_the_http_edge() -> list[str]:
    """Everything of a service but its http/ package and main.py (the composition root); the messaging
    core, the pure shared core, the contracts and the personal-data use cases."""
    services = [
        m
        for m in first_party()
        if m.startswith("services.") and ".http" not in m and not m.endswith(".main") and m.count(".") >= 2
    ]
    shared = [m for m in first_party() if m.startswith(("shared.messaging", "shared.domain", "shared.events"))]
    return sorted([*services, *shared, "shared.audit.subjects", "shared.persistence"])


def test_nothing_below_the_http_edge_imports_http():
    checked = below_the_http_edge()
    assert "services.training.plan.run" in checked and "shared.messaging.outbox" in checked
    chains = {m: " -> ".join(chain) for m in checked if (chain := http_path(m))}
    assert chains == {}
