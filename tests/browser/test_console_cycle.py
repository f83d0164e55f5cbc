"""The console in Chromium over the four services, each its own process on the real broker and database:
the whole cycle clicked through as BKPSDM, the employee and the supervisor (import, planner, seat,
attendance, completion, level 1, level 3 with barriers, the follow-up need, the inbox); the import's
error table; a form without its CSRF token and another role's page refused; sign-in at the real OpenID
provider; and axe-core on every page of the console, at both sizes (the crawl proves it reached each)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.openapi.utils import get_openapi
from playwright.sync_api import Page, expect

from services.console.main import create_app
from services.console.settings import ConsoleSettings
from shared.domain.identity import Role
from tests.conftest import ADMIN_NIP, bearer, forget_namespace, service_environment
from tests.support.browser import check_accessibility, in_own_loop, screenshot
from tests.support.demo import HEAD, NURSE, UNIT, assess, program_body, schedule
from tests.support.infra import Endpoints
from tests.support.oidc import PASSWORD, PEGAWAI_NIP, OidcProvider, load_accounts
from tests.support.processes import SERVICES, ServiceProcess
from tests.support.waiting import eventually

# The staff file BKPSDM uploads (a SIASN export's columns): the nurse, under the head of her puskesmas.
STAFF_CSV = f"nip,nama,kode_unit,kode_jabatan,nip_atasan\n{NURSE},Siti Rahmawati,{UNIT},PERAWAT,{HEAD}\n"
# The same file with a NIP of 5 digits and a missing name: refused with one row per problem.
BAD_CSV = f"nip,nama,kode_unit,kode_jabatan\n12345,Tanpa NIP,{UNIT},PERAWAT\n{HEAD},,{UNIT},KAPUS\n"
SEAT = f"PRIMA-1:{NURSE}"
LIKERT = ("relevance", "content", "facilitator", "organisation", "overall")
BEHAVIOUR = ("applies", "frequency", "quality", "independence", "sharing")
ADMIN = bearer(ADMIN_NIP, Role.BKPSDM_ADMIN, unit="BKPSDM")
# Links to files, not pages (the quarterly report as CSV, the printable report, JSON-LD).
DOWNLOADS = (".csv", ".html", ".json", ".xlsx")
ROLES = ("pegawai", "atasan", "kepala-unit", "bkpsdm", "mitra")


class Console:
    """The processes of this module: the four services and a console in development (its demo sign-in)."""

    def __init__(self, services: dict[str, ServiceProcess], console: ServiceProcess) -> None:
        self.services = services
        self.url = console.url

    def api(self, service: str) -> httpx.Client:
        """A service's API, for the data a test puts in through it (the helpers of tests/support/demo.py
        take a TestClient, which is an httpx.Client)."""
        return httpx.Client(base_url=self.services[service].url, timeout=30)


@contextmanager
def running_system(
    infra: Endpoints, log_dir: Path, jwt_env: dict[str, str], console_env: dict[str, str]
) -> Iterator[Console]:
    """The four services, each its own process, in a namespace of their own (dropped afterwards), trusting
    the tokens ``jwt_env`` (JWT_*) names; and a console over them. Level 3 opens at completion here
    (normally three months on), so the supervisor answers in the same run; the console shows fiscal year
    2027, the year of the batches."""
    namespace = f"t{uuid.uuid4().hex[:10]}"
    env = {**service_environment(infra, namespace), **jwt_env}
    started: list[ServiceProcess] = []

    def start(name: str, env: dict[str, str]) -> ServiceProcess:
        process = ServiceProcess(name, env, log_dir)
        started.append(process)
        return process.start().wait_ready()

    try:
        services = {}
        for name in SERVICES:
            extra = {"BEHAVIOUR_OPENS_DAYS": "0"} if name == "evaluation" else {}
            services[name] = start(name, {**env, "MONGODB_DATABASE": f"{namespace}_{name}", **extra})
        urls = {f"{name.upper()}_URL": services[name].url for name in SERVICES}
        console = start("console", {**urls, "FISCAL_YEAR": "2027", **console_env})
        yield Console(services, console)
    finally:
        for process in started:
            process.stop()
        forget_namespace(infra, namespace)


@pytest.fixture(scope="module")
def system(infra: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """Once for the module: the services under the development JWT secret, and a console in development
    whose demo sign-in mints tokens with it."""
    with running_system(infra, tmp_path_factory.mktemp("logs"), {}, {"ENVIRONMENT": "development"}) as console:
        yield console


@pytest.fixture(scope="module")
def demo(system: Console) -> Console:
    """The slice of Medan the cycle needs, put through the APIs: the puskesmas, its positions and head,
    and a programme with a batch of two sessions. The nurse comes in through the imports page."""
    with system.api("needs") as needs:
        for path, body in [
            ("/units/DINKES", {"name": "Dinas Kesehatan", "kind": "opd"}),
            (f"/units/{UNIT}", {"name": "Puskesmas Padang Bulan", "kind": "puskesmas", "parent_code": "DINKES"}),
            ("/positions/KAPUS", {"title": "Kepala Puskesmas", "type": "pengawas", "standard": {"M.05": 3}}),
            ("/positions/PERAWAT", {"title": "Perawat Ahli Pertama", "type": "fungsional", "standard": {"M.05": 3}}),
            (f"/employees/{HEAD}", {"name": "dr. Ahmad Nasution", "unit_code": UNIT, "position_code": "KAPUS"}),
            ("/units/BKPSDM", {"name": "BKPSDM Kota Medan", "kind": "opd"}),
            ("/positions/KABID", {"title": "Kepala Bidang", "type": "administrator", "standard": {"M.05": 3}}),
            (f"/employees/{ADMIN_NIP}", {"name": "Hendra Siregar", "unit_code": "BKPSDM", "position_code": "KABID"}),
        ]:
            assert needs.put(path, json=body, headers=ADMIN).status_code == 200, path
    with system.api("training") as training:
        assert training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=ADMIN).status_code == 200
        schedule(training, ADMIN, "PRIMA-1", "PRIMA", sessions=2, location="BPSDM Sumut, Medan")  # type: ignore[arg-type]
    return system


def sign_in(page: Page, console: Console, person: str) -> None:
    """The development sign-in page: one button per demo person."""
    page.context.clear_cookies()
    page.goto(f"{console.url}/login")
    page.locator(f'form:has(input[name="person"][value="{person}"]) button').click()
    page.wait_for_load_state()


def upload(page: Page, console: Console, name: str, content: str) -> None:
    page.goto(f"{console.url}/bkpsdm/imports")
    page.get_by_label("Jenis data").select_option("employees")
    page.get_by_label("Berkas").set_input_files({"name": name, "mimeType": "text/csv", "buffer": content.encode()})
    page.get_by_role("button", name="Unggah dan impor").click()


def until_shown(page: Page, url: str, text: str, what: str) -> None:
    """Reload ``url`` until it shows ``text``: the step before it travelled as an event."""

    def shown() -> bool:
        page.goto(url)
        return text in page.content()

    eventually(shown, what=what, timeout_s=60)


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_the_cycle_clicked_through_by_bkpsdm_the_employee_and_the_supervisor(page: Page, demo: Console):
    url = demo.url
    sign_in(page, demo, "bkpsdm")
    expect(page).to_have_url(f"{url}/bkpsdm")
    upload(page, demo, "pegawai.csv", STAFF_CSV)
    expect(page.get_by_role("status")).to_contain_text("selesai", timeout=60_000)
    screenshot(page, "console-import-done")
    with demo.api("needs") as needs:
        assess(needs, ADMIN, 1)  # type: ignore[arg-type]  # the assessment centre's result, as the demo loads it

    page.goto(f"{url}/bkpsdm/batches")
    page.get_by_role("button", name="Jalankan perencana 2027").click()
    expect(page.locator("main")).to_contain_text("Perencana selesai")
    screenshot(page, "console-bkpsdm-batches")

    sign_in(page, demo, "pegawai")
    until_shown(page, f"{url}/me/seats", "Terima kursi", "the nurse's proposed seat")
    screenshot(page, "console-me-seats")
    page.get_by_role("button", name="Terima kursi").click()
    expect(page.locator("main")).to_contain_text("Diterima")

    sign_in(page, demo, "bkpsdm")
    page.goto(f"{url}/bkpsdm/batches/PRIMA-1")
    for session in (1, 2):
        page.get_by_label(f"{NURSE} · Sesi {session}").check()
    page.get_by_role("button", name="Simpan kehadiran").click()
    page.get_by_label(f"Pre-test {NURSE}").fill("55")
    page.get_by_label(f"Post-test {NURSE}").fill("82,5")
    page.get_by_role("button", name="Simpan nilai").click()
    page.get_by_role("button", name="Tutup angkatan dan nilai kelulusan").click()
    expect(page.locator("main")).to_contain_text("Lulus")
    screenshot(page, "console-batch")

    sign_in(page, demo, "pegawai")
    until_shown(page, f"{url}/me/evaluations", f"/me/evaluations/{SEAT}-L1", "the level-1 evaluation")
    page.goto(f"{url}/me/evaluations/{SEAT}-L1")
    for item in LIKERT:
        page.locator(f'input[name="{item}"][value="4"]').check()
    check_accessibility(page)
    screenshot(page, "console-evaluation-l1")
    page.get_by_role("button", name="Kirim jawaban").click()
    expect(page.get_by_role("status")).to_have_text("Tersimpan.")
    expect(page.locator("main")).to_contain_text("Sudah diisi")

    sign_in(page, demo, "atasan")
    until_shown(page, f"{url}/me/evaluations", f"/me/evaluations/{SEAT}-L3", "the level-3 evaluation")
    page.goto(f"{url}/me/evaluations/{SEAT}-L3")
    for item in BEHAVIOUR:
        page.locator(f'input[name="{item}"][value="2"]').check()
    page.get_by_label("Kurang dukungan atasan atau rekan").check()
    check_accessibility(page)
    page.get_by_role("button", name="Kirim jawaban").click()
    expect(page.get_by_role("status")).to_have_text("Tersimpan.")
    expect(page.locator("main")).to_contain_text("Sudah diisi")

    sign_in(page, demo, "pegawai")
    follow_ups = f"{url}/me/needs?source=evaluation_follow_up"
    until_shown(page, follow_ups, "Tindak lanjut evaluasi", "the follow-up need on the employee's page")
    expect(page.locator("main")).to_contain_text("Pelayanan Publik")
    screenshot(page, "console-me-needs")
    # Seat proposed, accepted, certificate, level 1 owed, follow-up: the inbox tells each step.
    eventually(
        lambda: page.goto(f"{url}/inbox") and page.locator("li.card").count() >= 3,
        what="the inbox telling each step",
        timeout_s=60,
    )
    screenshot(page, "console-inbox")


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_a_bad_staff_file_is_refused_with_a_table_of_its_errors(page: Page, demo: Console):
    sign_in(page, demo, "bkpsdm")
    upload(page, demo, "salah.csv", BAD_CSV)
    expect(page.get_by_role("status")).to_contain_text("ditolak", timeout=60_000)
    # Each problem on its own row: the file's line, the column, what is wrong (nothing was saved).
    expect(page.locator("main table tbody tr")).to_have_text(
        [re.compile(r"2\s*nip\s*NIP harus 18 digit"), re.compile(r"3\s*nama\s*Kolom nama wajib diisi")]
    )
    check_accessibility(page)
    screenshot(page, "console-import-errors")


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_a_form_without_its_csrf_token_and_another_roles_page_are_refused(page: Page, demo: Console):
    sign_in(page, demo, "pegawai")
    page.goto(f"{demo.url}/me/needs")
    # The language switch of the page's header, its token removed as a forged cross-site form would lack it.
    page.locator('form[action="/language"] input[name="csrf_token"]').evaluate("input => input.remove()")
    page.locator('form[action="/language"] button').click()
    expect(page.locator("main")).to_contain_text("Formulir ini kedaluwarsa")
    check_accessibility(page)
    refused = page.goto(f"{demo.url}/bkpsdm")
    assert refused is not None and refused.status == 403
    expect(page.locator("main")).to_contain_text("Halaman ini bukan untuk peran Anda")
    check_accessibility(page)


@pytest.fixture(scope="module")
def oidc_console(
    infra: Endpoints, oidc_provider: OidcProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """As in production: services that trust the provider's access tokens (its key, issuer and the
    audience), and a console with no demo sign-in (ENVIRONMENT=test) that signs people in there. The
    demo accounts' master data and an assessment of the employee go in with BKPSDM's token from it."""
    console_env = {**oidc_provider.settings_env(), "ENVIRONMENT": "test"}
    log_dir = tmp_path_factory.mktemp("oidc-logs")
    with running_system(infra, log_dir, oidc_provider.services_env(), console_env) as system:
        admin = {"Authorization": f"Bearer {in_own_loop(oidc_provider.access_token('bkpsdm'))}"}
        with system.api("needs") as needs:
            load_accounts(needs, admin)
            assess(needs, admin, 1, nip=PEGAWAI_NIP)  # type: ignore[arg-type]
        yield system.url


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_a_person_signs_in_at_the_citys_identity_provider(page: Page, oidc_console: str, oidc_provider: OidcProvider):
    page.goto(f"{oidc_console}/login")  # no demo people here: straight to the provider's form
    expect(page).to_have_url(re.compile(f"^{re.escape(oidc_provider.issuer)}/"))
    page.get_by_label("Akun").select_option("pegawai")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{oidc_console}/me/competencies")
    expect(page.locator("header .who")).to_contain_text("Andi Pegawai")
    # The services took the provider's access token as her: her position's standard beside her assessed
    # level, the gap marked, and the need it raised.
    expect(page.locator("main tbody tr", has_text="M.05")).to_contain_text(re.compile(r"M\.05\s*3\s*1\s*Kesenjangan 2"))
    check_accessibility(page)
    screenshot(page, "console-oidc-signed-in")
    until_shown(page, f"{oidc_console}/me/needs", "Pelayanan Publik", "the need her assessment raised")
    check_accessibility(page)
    # No demo sign-in beside it.
    assert page.request.post(f"{oidc_console}/login/dev", form={"person": "bkpsdm"}).status == 404


@pytest.fixture(scope="module")
def everyone(demo: Console) -> Console:
    """The nurse too (the cycle imports her; PUT again, the same), so every demo person has pages; and a
    curriculum of the partner's university, so that its page has one to open."""
    nurse = {"name": "Siti Rahmawati", "unit_code": UNIT, "position_code": "PERAWAT", "supervisor_nip": HEAD}
    with demo.api("needs") as needs:
        assert needs.put(f"/employees/{NURSE}", json=nurse, headers=ADMIN).status_code == 200
    curriculum = {
        "title": "Pelayanan Prima di Puskesmas",
        "partner": "Universitas Sumatera Utara",
        "institution": "USU",
    }
    with demo.api("training") as training:
        assert training.put("/curricula/USU-PRIMA", json=curriculum, headers=ADMIN).status_code == 200
    return demo


# Routes of the console that are no page a person reads: the probes, the sign-in's redirects, downloads.
NOT_PAGES = frozenset({"/", "/health/live", "/health/ready", "/auth/callback", "/bkpsdm/reports/quarterly.{kind}"})
# Pages reached only by doing something first; the test that does it checks them with axe.
CHECKED_BY_THEIR_TEST = {
    "/bkpsdm/imports/{job_id}": "test_a_bad_staff_file_is_refused_with_a_table_of_its_errors",
    "/me/evaluations/{evaluation_id}": "test_the_cycle_clicked_through_by_bkpsdm_the_employee_and_the_supervisor",
}


def console_pages() -> list[str]:
    """Every page route of the console (its GET routes but the NOT_PAGES), as its app declares them (the
    console publishes no OpenAPI document, but FastAPI builds one from its routes all the same)."""
    app = create_app(ConsoleSettings())
    paths = get_openapi(title=app.title, version=app.version, routes=app.routes)["paths"]
    return [path for path, operations in paths.items() if "get" in operations and path not in NOT_PAGES]


def test_every_page_of_every_role_passes_axe(page: Page, everyone: Console):
    """For each role, the menu's pages, then one page of each other kind they link to (a batch, a
    curriculum): every page a person of this role can reach by clicking, without a download; and the
    sign-in page. Together the roles reach every page of the console, bar those CHECKED_BY_THEIR_TEST."""
    seen: set[str] = set()
    for person in ROLES:
        seen |= crawl(page, everyone, person)
    unreached = [
        route
        for route in console_pages()
        if route not in CHECKED_BY_THEIR_TEST
        and not any(re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", route), path) for path in seen)
    ]
    assert not unreached, f"no role's crawl reached these pages of the console: {unreached}"
    routes, elsewhere = len(console_pages()), len(CHECKED_BY_THEIR_TEST)
    print(f"axe: {len(seen)} pages crawled: {routes - elsewhere} page routes, +{elsewhere} by their tests")  # noqa: T201


def crawl(page: Page, console: Console, person: str) -> set[str]:
    """The paths of the pages ``person`` reaches, each checked with axe; a screenshot of where they land."""
    page.goto(f"{console.url}/login")
    check_accessibility(page)
    sign_in(page, console, person)
    check_accessibility(page)
    screenshot(page, f"console-{person}", full_page=False)
    menu = links_in(page, "nav.menu a")
    assert menu, f"{person} has no menu"
    seen = {"/login", urlsplit(page.url).path}
    linked = [link for path in menu for link in _visit(page, console, path, seen)]
    for link in linked:
        if urlsplit(link).path not in seen:
            _visit(page, console, link, seen)
    print(f"axe: {person} {len(seen)} pages")  # noqa: T201 (the figure the issue asks for, with -s)
    return seen


def links_in(page: Page, selector: str) -> list[str]:
    found = page.locator(selector).evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [
        str(link) for link in found if str(link).startswith("/") and not urlsplit(str(link)).path.endswith(DOWNLOADS)
    ]


def _visit(page: Page, console: Console, path: str, seen: set[str]) -> list[str]:
    """Open ``path``, check it, and return the links of its content."""
    response = page.goto(f"{console.url}{path}")
    assert response is not None and response.status == 200, (path, response and response.status)
    check_accessibility(page)
    seen.add(urlsplit(path).path)
    return links_in(page, "main a")
