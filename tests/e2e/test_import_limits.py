"""A zip bomb sent to the needs service as a separate process: refused before it is unzipped, and the
process's peak memory (VmHWM, from /proc) stays where it was."""

from pathlib import Path

import httpx

from tests.support.waiting import eventually
from tests.support.workbooks import expanding_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PEAK_LIMIT_MB = 200


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024  # kB


def test_a_workbook_that_unzips_to_400_mb_is_refused_within_200_mb_of_memory(start_service, admin):
    bomb = expanding_workbook(400_000_000)
    assert len(bomb) < 2_000_000
    needs = start_service("needs")
    with httpx.Client(base_url=needs.url, headers=admin, timeout=30) as http:
        started = http.post("/imports/units", content=bomb, headers={"content-type": XLSX})
        assert started.status_code == 202, started.text
        job_url = started.json()["status_url"]
        job = eventually(
            lambda: (j := http.get(job_url).json())["status"] != "running" and j, timeout_s=60, what="the import"
        )
    assert needs.proc is not None
    peak = peak_rss_mb(needs.proc.pid)
    print(f"needs peak RSS after a 400 MB workbook ({len(bomb) / 1e6:.2f} MB sent): {peak:.0f} MB")  # noqa: T201
    assert job["status"] == "rejected"
    (error,) = job["report"]["errors"]
    assert error["message_en"].startswith("The XLSX file expands to 400 MB, over the limit of 100 MB")
    assert peak < PEAK_LIMIT_MB
