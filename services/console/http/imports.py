"""Master-data imports: BKPSDM uploads a CSV or XLSX (a SIASN export); the page follows the import's
progress (a meta refresh while it runs, no script) and, when the file is refused, lists every row error."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.api import ServiceRefused
from services.console.http.web import Refused, api_for, checked_form, person_of, redirect, render

KINDS = ("units", "positions", "employees", "assessments")
# The notifications service's directory (e-mail, language, channels, who heads which unit): checked and
# saved at once, all rows or none.
DIRECTORY = "directory"
# What a browser may send for a spreadsheet; anything else is read as CSV by the needs service.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/bkpsdm/imports")
    async def imports(request: Request) -> Response:
        person_of(request)
        return render(request, "imports.html", kinds=(*KINDS, DIRECTORY))

    @router.post("/bkpsdm/imports")
    async def upload(request: Request) -> Response:
        person_of(request)
        form = await checked_form(request)
        kind, file = form.get("kind"), form.files.get("file")
        if kind not in (*KINDS, DIRECTORY) or file is None or not file.content:
            raise Refused(422, "imports.no_file")
        if kind == DIRECTORY:
            try:
                report = await api_for(request).upload("notifications", "/directory/import", file.content, "text/csv")
            except ServiceRefused as refused:
                if not refused.rows:
                    raise
                errors = [
                    {
                        "line": p["line"],
                        "column": p.get("column"),
                        "message": p["messages"]["id"],
                        "message_en": p["messages"]["en"],
                    }
                    for p in refused.rows
                ]
                job: dict[str, object] = {"kind": DIRECTORY, "status": "rejected", "report": {}, "error": None}
                return render(request, "import_job.html", 422, job=job, pct=100, errors=errors)
            done = {"kind": DIRECTORY, "status": "done", "report": report, "error": None}
            return render(request, "import_job.html", job=done, pct=100, errors=[])
        content_type = XLSX if file.filename.lower().endswith(".xlsx") else "text/csv"
        job = await api_for(request).upload("needs", f"/imports/{kind}", file.content, content_type)
        return redirect(request, f"/bkpsdm/imports/{job['job_id']}")

    @router.get("/bkpsdm/imports/{job_id}")
    async def job(request: Request, job_id: str) -> Response:
        person_of(request, "/bkpsdm/imports")
        found = await api_for(request).get("needs", f"/jobs/{job_id}")
        pct = round(100 * found["processed"] / found["total"]) if found["total"] else 0
        return render(request, "import_job.html", job=found, pct=pct, errors=found["report"].get("errors", []))

    return router
