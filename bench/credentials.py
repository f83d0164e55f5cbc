"""Certificates: what issuing, verifying and printing one costs, and a batch's worth.

Pure CPU work (no database, no broker). The baseline, measured in the same run, is the least a signed
certificate costs: serialising the same credential to JSON and signing its bytes with Ed25519. The
difference is the RDF canonicalization (twice per signature: the document and the proof options), which
is what makes the proof independent of JSON formatting and what verifiers elsewhere recompute.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.credentials import Award, Competency, CredentialService, CredentialSettings, Programme, Recipient
from shared.credentials.badge import new_credential_id, new_salt
from shared.credentials.keys import SigningKey
from shared.credentials.status import new_list_key, permuted_index

BATCH = 30  # a typical angkatan


def _awards(n: int) -> list[Award]:
    return [
        Award(
            credential_id=new_credential_id(),
            certificate_number=f"BKPSDM-MDN/2027/{i:08X}",
            programme=Programme(
                "2027-PRIMA",
                "Pelayanan Prima bagi Tenaga Kesehatan",
                "training",
                24,
                "BPSDM Provinsi Sumatera Utara",
                (Competency("M.05", 3, "Pelayanan Publik"), Competency("M.03", 2, "Komunikasi")),
                passing_score=70,
            ),
            recipient=Recipient(f"1990022020150320{i % 100:02d}", new_salt(), f"Peserta {i}"),
            started_on=date(2027, 3, 1),
            completed_on=date(2027, 3, 4),
            valid_from=datetime(2027, 3, 4, 8, tzinfo=UTC),
            post_score=70 + i % 30,
        )
        for i in range(n)
    ]


def _rate(n: int, work: Callable[[int], Any]) -> tuple[float, float]:
    """Items per second and milliseconds per item."""
    started = time.perf_counter()
    for i in range(n):
        work(i)
    elapsed = time.perf_counter() - started
    return n / elapsed, elapsed / n * 1000


def run(n: int = 300) -> dict[str, Any]:
    service = CredentialService(CredentialSettings(credentials_base_url="https://sertifikat.example"))
    awards = _awards(n)
    key = SigningKey(b"\x01" * 32)
    list_key = new_list_key()
    issued = [service.issue(a, status_list_id="revocation-1", status_index=permuted_index(i, list_key))
              for i, a in enumerate(awards[:BATCH])]  # fmt: skip
    status_list = service.status_list("revocation-1", range(0, 131_072, 97))
    lists = {service.urls.status_list("revocation-1"): status_list}
    now = datetime(2027, 3, 10, tzinfo=UTC)

    baseline = _rate(n, lambda i: key.sign(json.dumps(issued[i % BATCH], sort_keys=True).encode()))
    issue = _rate(
        n, lambda i: service.issue(awards[i], status_list_id="revocation-1", status_index=permuted_index(i, list_key))
    )
    verify = _rate(n, lambda i: service.verify(issued[i % BATCH], load_status_list=lists.get, now=now))
    # A list changed on every call (a revocation between two checks): its proof is checked each time.
    fresh_lists = [service.status_list("revocation-1", range(0, 131_072, 89 + i)) for i in range(20)]
    verify_fresh = _rate(20, lambda i: service.verify(issued[i], load_status_list=lambda url: fresh_lists[i], now=now))
    render = _rate(n, lambda i: service.render_certificate(issued[i % BATCH]))
    sign_list = _rate(20, lambda i: service.status_list("revocation-1", range(0, 131_072, 97 + i)))

    def batch() -> None:
        for i, a in enumerate(awards[:BATCH]):
            service.issue(a, status_list_id="revocation-1", status_index=permuted_index(BATCH + i, list_key),
                          now=now + timedelta(seconds=i))  # fmt: skip

    started = time.perf_counter()
    batch()
    batch_s = time.perf_counter() - started
    tracemalloc.start()  # a second pass for memory: tracing slows Python down many times
    batch()
    peak_kb = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()

    result = {
        "credentials": n,
        "baseline_json_ed25519_per_s": round(baseline[0]),
        "issue_per_s": round(issue[0], 1),
        "issue_ms": round(issue[1], 2),
        "verify_per_s": round(verify[0], 1),
        "verify_ms": round(verify[1], 2),
        "verify_new_list_ms": round(verify_fresh[1], 2),
        "render_certificate_per_s": round(render[0], 1),
        "render_certificate_ms": round(render[1], 2),
        "sign_status_list_ms": round(sign_list[1], 2),
        "batch_of_30_issue_s": round(batch_s, 3),
        "batch_of_30_peak_kb": round(peak_kb),
        "credential_bytes": len(json.dumps(issued[0])),
        "status_list_bytes": len(json.dumps(status_list)),
        "issue_vs_baseline": round(issue[0] / baseline[0], 4),
    }
    r = result
    print(
        f"credentials: issue {r['issue_per_s']}/s ({r['issue_ms']} ms), verify {r['verify_per_s']}/s "
        f"({r['verify_ms']} ms; {r['verify_new_list_ms']} ms when the list changed), "
        f"render {r['render_certificate_per_s']}/s; baseline JSON + Ed25519 {r['baseline_json_ed25519_per_s']}/s, "
        f"issue/baseline {r['issue_vs_baseline']}; a batch of 30 in {r['batch_of_30_issue_s']} s "
        f"(peak {r['batch_of_30_peak_kb']} KB); status list re-signed in {r['sign_status_list_ms']} ms, "
        f"{r['status_list_bytes']} B; a credential is {r['credential_bytes']} B"
    )
    return result
