"""A local stand-in for BKN's SIASN API gateway: a real HTTP server on loopback with the token endpoint, the
two save endpoints, data-utama and the two history reads, answering as SIASN does.

The answers follow what the public community clients read (sources in the README, "SIASN training
history"): a save answers ``{"success": true, "message": "success", "mapData": {"rwKursusId": ...}}``
(``rwDiklatId`` for diklat); a refused save ``{"success": false, "message": ..., "mapData": "<reason>"}``;
a read that finds nothing 404 ``{"code": 0, "data": "Data tidak ditemukan"}``; an invalid or expired token
the WSO2 gateway's 401 ``{"code": "900901", "message": "Invalid Credentials", ...}``.

Bodies are checked strictly, field by field: the fields of the endpoint and no others, their JSON types,
dates as dd-mm-yyyy, reference ids SIASN knows, a person SIASN knows. What the checks are is our reading of
those clients, not BKN's specification.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from shared.interop.siasn import Reference

API = "/apisiasn/1.0"
INVALID_CREDENTIALS = {
    "code": "900901",
    "message": "Invalid Credentials",
    "description": "Invalid Credentials. Make sure you have provided the correct security credentials",
}
NOT_FOUND = {"code": 0, "data": "Data tidak ditemukan"}

STRING, INTEGER, LIST, NULLABLE_STRING = "string", "integer", "list", "string or null"
FIELDS: dict[str, dict[str, str]] = {
    "kursus": {
        "id": NULLABLE_STRING, "instansiId": STRING, "institusiPenyelenggara": STRING, "jenisDiklatId": STRING,
        "jenisKursus": STRING, "jenisKursusSertipikat": STRING, "jumlahJam": INTEGER, "lokasiId": STRING,
        "namaKursus": STRING, "nomorSertipikat": STRING, "path": LIST, "pnsOrangId": STRING, "tahunKursus": INTEGER,
        "tanggalKursus": STRING, "tanggalSelesaiKursus": STRING,
    },
    "diklat": {
        "id": NULLABLE_STRING, "bobot": INTEGER, "institusiPenyelenggara": STRING, "jenisKompetensi": STRING,
        "jumlahJam": INTEGER, "latihanStrukturalId": STRING, "nomor": STRING, "path": LIST, "pnsOrangId": STRING,
        "tahun": INTEGER, "tanggal": STRING, "tanggalSelesai": STRING,
    },
}  # fmt: skip
# May be empty; every other string must not be.
MAY_BE_EMPTY = {"jenisKursus", "jenisKompetensi"}
DATES = {
    "kursus": ("tanggalKursus", "tanggalSelesaiKursus", "tahunKursus"),
    "diklat": ("tanggal", "tanggalSelesai", "tahun"),
}


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int


@dataclass
class SiasnReceiver:
    base_url: str
    token_url: str
    sso_token_url: str
    client_id: str
    client_secret: str
    people: dict[str, str]  # NIP -> pnsOrangId
    sso_user: tuple[str, str] | None = None
    token_ttl_s: float = 3600
    # The status a refused save answers with; SIASN's clients read refusals from a 2xx body.
    refusal_status: int = 200
    calls: list[Call] = field(default_factory=list)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (time.monotonic)
    sso_tokens: set[str] = field(default_factory=set)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"kursus": [], "diklat": []})
    # Answers forced on the next save calls: a status, optionally after storing the entry (a lost answer).
    forced: list[tuple[int, bool]] = field(default_factory=list)
    # Every token stops working once this many saves were stored: a token expiring in the middle of a run.
    expire_tokens_after_saves: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_url(self) -> str:
        return self.base_url + API

    def expire_tokens(self) -> None:
        """Every token issued so far stops working now, as if its lifetime ran out mid-run."""
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    def fail_next_saves(self, status: int, count: int = 1, *, after_storing: bool = False) -> None:
        with self.lock:
            self.forced.extend([(status, after_storing)] * count)

    def to(self, suffix: str) -> list[Call]:
        return [c for c in self.calls if c.path.endswith(suffix)]

    def saves(self) -> list[Call]:
        return [c for c in self.calls if c.path.endswith("/save")]

    @property
    def token_requests(self) -> list[Call]:
        return [c for c in self.calls if c.path == "/oauth2/token"]

    # -- answers ---------------------------------------------------------------------------------

    def answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        if path == "/oauth2/token" and method == "POST":
            return self._token(headers, raw)
        if path == "/sso/token" and method == "POST":
            return self._sso_token(raw)
        if not path.startswith(API + "/"):
            return 404, {"code": 0, "data": "Resource not found"}
        if not self._authorised(headers):
            return 401, INVALID_CREDENTIALS
        route = path.removeprefix(API)
        if method == "GET" and route.startswith("/pns/data-utama/"):
            nip = route.rsplit("/", 1)[1]
            if nip not in self.people:
                return 404, NOT_FOUND
            return 200, {"code": 1, "data": {"id": self.people[nip], "nipBaru": nip, "nama": "-"}}
        for riwayat in ("kursus", "diklat"):
            if method == "GET" and route.startswith(f"/pns/rw-{riwayat}/"):
                return self._history(riwayat, route.rsplit("/", 1)[1])
            if method == "POST" and route == f"/{riwayat}/save":
                return self._save(riwayat, raw)
        return 404, {"code": 0, "data": "Resource not found"}

    def _token(self, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        form = parse_qs(raw.decode())
        if headers.get("authorization") != f"Basic {expected}":
            return 401, {"error_description": "Client Authentication failed.", "error": "invalid_client"}
        if form.get("grant_type") != ["client_credentials"]:
            return 400, {"error_description": "Unsupported grant_type value", "error": "unsupported_grant_type"}
        token = secrets.token_hex(16)
        self.tokens[token] = time.monotonic() + self.token_ttl_s
        return 200, {"access_token": token, "scope": "default", "token_type": "Bearer", "expires_in": self.token_ttl_s}

    def _sso_token(self, raw: bytes) -> tuple[int, Any]:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if self.sso_user is None or (form.get("username"), form.get("password")) != self.sso_user:
            return 401, {"error": "invalid_grant", "error_description": "Invalid user credentials"}
        if form.get("grant_type") != "password" or not form.get("client_id"):
            return 400, {"error": "invalid_request", "error_description": "Missing form parameter: grant_type"}
        token = secrets.token_hex(16)
        self.sso_tokens.add(token)
        return 200, {"access_token": token, "expires_in": self.token_ttl_s, "token_type": "Bearer"}

    def _authorised(self, headers: dict[str, str]) -> bool:
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        if self.tokens.get(bearer, 0.0) <= time.monotonic():
            return False
        if self.sso_user is not None:
            sso = headers.get("auth", "")
            return sso.startswith("bearer ") and sso.removeprefix("bearer ") in self.sso_tokens
        return True

    def _history(self, riwayat: str, nip: str) -> tuple[int, Any]:
        stored = [r for r in self.records[riwayat] if r["nipBaru"] == nip]
        return (200, {"code": 1, "data": stored}) if stored else (404, NOT_FOUND)

    def _save(self, riwayat: str, raw: bytes) -> tuple[int, Any]:
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {"success": False, "message": "gagal", "mapData": "Format JSON tidak valid"}
        problem = self.problem(riwayat, body)
        if problem:
            return self.refusal_status, {"success": False, "message": "gagal", "mapData": problem}
        forced = self.forced.pop(0) if self.forced else None
        if forced and not forced[1]:
            return forced[0], {"message": "Service Unavailable"}
        siasn_id = secrets.token_hex(16)
        self.records[riwayat].append(self._as_read(riwayat, siasn_id, body))
        if self.expire_tokens_after_saves == sum(map(len, self.records.values())):
            self.tokens = dict.fromkeys(self.tokens, 0.0)  # under the lock the handler holds
        if forced:
            return forced[0], {"message": "Bad Gateway"}
        key = "rwKursusId" if riwayat == "kursus" else "rwDiklatId"
        return 200, {"success": True, "message": "success", "mapData": {key: siasn_id}}

    def _as_read(self, riwayat: str, siasn_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """The entry as the history read returns it: note ``noSertipikat`` where the save said
        ``nomorSertipikat``."""
        nip = next(n for n, orang in self.people.items() if orang == body["pnsOrangId"])
        read = {k: v for k, v in body.items() if k not in ("id", "pnsOrangId")}
        if riwayat == "kursus":
            read["noSertipikat"] = read.pop("nomorSertipikat")
        return {"id": siasn_id, "idPns": body["pnsOrangId"], "nipBaru": nip, **read}

    def problem(self, riwayat: str, body: Any) -> str:
        """Why SIASN would refuse this body, in its words; empty when it would take it."""
        if not isinstance(body, dict):
            return "Body harus berupa objek JSON"
        fields = FIELDS[riwayat]
        unknown = sorted(set(body) - set(fields))
        if unknown:
            return f"Field tidak dikenal: {', '.join(unknown)}"
        for name, kind in fields.items():
            if name not in body:
                return f"{name} wajib diisi"
            value = body[name]
            ok = {
                STRING: isinstance(value, str) and (bool(value) or name in MAY_BE_EMPTY),
                NULLABLE_STRING: value is None or isinstance(value, str),
                INTEGER: isinstance(value, int) and not isinstance(value, bool),
                LIST: isinstance(value, list),
            }[kind]
            if not ok:
                return f"{name} harus {kind}" + ("" if value != "" else " dan tidak boleh kosong")
        start_key, end_key, year_key = DATES[riwayat]
        try:
            start, end = (datetime.strptime(body[k], "%d-%m-%Y").date() for k in (start_key, end_key))
        except ValueError:
            return f"Format {start_key}/{end_key} harus dd-mm-yyyy"
        if end < start:
            return f"{end_key} tidak boleh sebelum {start_key}"
        if body[year_key] != end.year:
            return f"{year_key} tidak sesuai dengan {end_key}"
        if body["jumlahJam"] <= 0:
            return "jumlahJam harus lebih dari 0"
        if body["pnsOrangId"] not in self.people.values():
            return "pnsOrangId tidak ditemukan"
        reference = Reference.bundled()
        if riwayat == "kursus":
            kind = reference.jenis_diklat.get(body["jenisDiklatId"])
            if kind is None:
                return f"jenisDiklatId {body['jenisDiklatId']} tidak ada di referensi"
            if body["jenisKursusSertipikat"] != kind[1]:
                return f"jenisKursusSertipikat untuk jenisDiklatId {body['jenisDiklatId']} harus {kind[1]}"
        elif body["latihanStrukturalId"] not in reference.latihan_struktural:
            return f"latihanStrukturalId {body['latihanStrukturalId']} tidak ada di referensi"
        return ""


@contextmanager
def siasn_receiver(people: dict[str, str], **options: Any) -> Iterator[SiasnReceiver]:
    receiver: SiasnReceiver

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                status, body = receiver.answer(self.command, self.path, headers, raw)
                parsed: Any = raw.decode(errors="replace")
                if headers.get("content-type", "").startswith("application/json"):
                    parsed = json.loads(raw) if raw else None
                receiver.calls.append(Call(self.command, self.path, headers, parsed, status))
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    defaults: dict[str, Any] = {"client_id": "bkpsdm-medan", "client_secret": "rahasia-klien"}
    receiver = SiasnReceiver(base, f"{base}/oauth2/token", f"{base}/sso/token", people=people, **(defaults | options))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
