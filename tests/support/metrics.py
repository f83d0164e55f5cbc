"""Reading a service's /metrics the way Prometheus does."""

from __future__ import annotations

import shutil
import subprocess

from prometheus_client.parser import text_string_to_metric_families


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample ``name`` whose labels include ``labels`` (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def promtool_check(text: str) -> None:
    """``promtool check metrics``: the exposition parses and passes Prometheus's own lint."""
    promtool = shutil.which("promtool")
    if promtool is None:
        raise AssertionError("promtool is not installed: apt-get install prometheus (it ships /usr/bin/promtool)")
    result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, ""), result.stdout + result.stderr
