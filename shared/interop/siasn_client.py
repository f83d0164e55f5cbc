"""Sends SIASN entries to BKN's API gateway and records what became of each.

Authentication is OAuth2 client credentials (``POST <token url>``, Basic auth with the client id and
secret, ``grant_type=client_credentials``); every call carries ``Authorization: Bearer <token>`` and, when
SIASN's SSO is configured, ``Auth: bearer <SSO token>``. A token is fetched again shortly before it expires
(``expires_in``) and at once when the gateway answers 401 mid-run; the call is then repeated once.

SIASN creates a new entry on every save (``id: null``), so a save whose answer was lost must not simply be
repeated: before saving, the person's history (``GET /pns/rw-kursus/{nip}`` or ``rw-diklat``) is read, and
an entry with the same certificate number counts as already sent. That makes a retry of any item safe.

Outcomes per item: ``sent`` (with SIASN's id), ``refused`` (with SIASN's reason: fix the data, then send
again) or ``retryable`` (nothing was stored, or it will be found next time: send again later).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import httpx

from shared.interop.siasn import HISTORY_PATHS, ID_KEYS, READ_CERTIFICATE_KEYS, SiasnItem

NOT_FOUND = "Data tidak ditemukan"


class Status(StrEnum):
    SENT = "sent"
    REFUSED = "refused"
    RETRYABLE = "retryable"


@dataclass(frozen=True)
class ItemOutcome:
    reference: str
    status: Status
    siasn_id: str | None = None
    reason: str = ""
    reason_en: str = ""
    http_status: int | None = None
    already_in_siasn: bool = False


@dataclass(frozen=True)
class ClientCredentials:
    token_url: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class SsoPassword:
    token_url: str
    client_id: str
    username: str
    password: str


class _Stop(Exception):
    """SIASN cannot be used at all in this run (unreachable, or it refuses our credentials): the item and
    every one after it are retryable, and nothing more is sent."""

    def __init__(self, reason: str, reason_en: str, http_status: int | None = None) -> None:
        super().__init__(reason_en)
        self.reason, self.reason_en, self.http_status = reason, reason_en, http_status


class _Refused(Exception):
    def __init__(self, reason: str, reason_en: str, http_status: int | None = None) -> None:
        super().__init__(reason_en)
        self.reason, self.reason_en, self.http_status = reason, reason_en, http_status


class _Retry(_Refused):
    pass


@dataclass
class _Token:
    value: str
    expires_at: float


class _TokenSource:
    """One OAuth2 token, fetched when there is none or it is about to expire."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        form: dict[str, str],
        auth: httpx.Auth | None,
        clock: Callable[[], float],
        margin_s: float,
    ) -> None:
        self._client, self._url, self._form, self._auth = client, url, form, auth
        self._clock, self._margin = clock, margin_s
        self._token: _Token | None = None
        self.fetched = 0

    async def get(self) -> str:
        if self._token is None or self._clock() >= self._token.expires_at - self._margin:
            self._token = await self._request()
        return self._token.value

    def forget(self) -> None:
        self._token = None

    async def _request(self) -> _Token:
        try:
            response = await self._client.post(self._url, data=self._form, auth=self._auth or httpx.USE_CLIENT_DEFAULT)
        except httpx.TransportError as exc:
            raise _Stop(
                f"Server token SIASN tidak dapat dihubungi ({type(exc).__name__})",
                f"SIASN's token endpoint cannot be reached ({type(exc).__name__}: {exc})",
            ) from exc
        body = _json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(token, str):
            said = _said(body) or response.text[:200]
            raise _Stop(
                f"SIASN menolak permintaan token ({response.status_code}): {said}",
                f"SIASN refused the token request ({response.status_code}): {said}",
                response.status_code,
            )
        self.fetched += 1
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
        return _Token(token, self._clock() + lifetime)


class SiasnClient:
    """``base_url`` is the API root (``https://apimws.bkn.go.id:8243/apisiasn/1.0``)."""

    def __init__(
        self,
        base_url: str,
        credentials: ClientCredentials,
        *,
        sso: SsoPassword | None = None,
        timeout_s: float = 30.0,
        token_margin_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=timeout_s, transport=transport, headers={"Accept": "application/json"})
        basic = httpx.BasicAuth(credentials.client_id, credentials.client_secret)
        form = {"grant_type": "client_credentials"}
        self.token = _TokenSource(self._client, credentials.token_url, form, basic, clock, token_margin_s)
        self.sso_token: _TokenSource | None = None
        if sso is not None:
            grant = {"grant_type": "password", "client_id": sso.client_id}
            grant |= {"username": sso.username, "password": sso.password}
            self.sso_token = _TokenSource(self._client, sso.token_url, grant, None, clock, token_margin_s)
        self._orang_ids: dict[str, str] = {}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> SiasnClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def sync(self, items: Iterable[SiasnItem]) -> list[ItemOutcome]:
        """Sends the items in order, one outcome each. When SIASN cannot be used at all (unreachable, or it
        refuses the credentials), the rest are retryable without being tried."""
        outcomes: list[ItemOutcome] = []
        stopped: _Stop | None = None
        for item in items:
            if stopped is None:
                try:
                    outcomes.append(await self._send(item))
                    continue
                except _Stop as exc:
                    stopped = exc
            outcomes.append(
                ItemOutcome(
                    item.reference, Status.RETRYABLE, None, stopped.reason, stopped.reason_en, stopped.http_status
                )
            )
        return outcomes

    async def send(self, item: SiasnItem) -> ItemOutcome:
        try:
            return await self._send(item)
        except _Stop as exc:
            return ItemOutcome(item.reference, Status.RETRYABLE, None, exc.reason, exc.reason_en, exc.http_status)

    async def _send(self, item: SiasnItem) -> ItemOutcome:
        try:
            body = dict(item.body)
            if not body.get("pnsOrangId"):
                body["pnsOrangId"] = await self.pns_orang_id(item.nip)
            if (existing := await self._existing(replace(item, body=body))) is not None:
                return ItemOutcome(item.reference, Status.SENT, existing, already_in_siasn=True)
            response = await self._call("POST", item.save_path, json=body)
            return _saved(item, response)
        except _Retry as exc:
            return ItemOutcome(item.reference, Status.RETRYABLE, None, exc.reason, exc.reason_en, exc.http_status)
        except _Refused as exc:
            return ItemOutcome(item.reference, Status.REFUSED, None, exc.reason, exc.reason_en, exc.http_status)

    async def pns_orang_id(self, nip: str) -> str:
        """SIASN's id of the person (``data.id`` of ``GET /pns/data-utama/{nip}``), which every entry names."""
        if nip not in self._orang_ids:
            response = await self._call("GET", f"/pns/data-utama/{nip}")
            body = _json(response)
            data = body.get("data") if isinstance(body, dict) else None
            if response.status_code == 404 or data == NOT_FOUND:
                raise _Refused(f"NIP {nip} tidak ditemukan di SIASN", f"NIP {nip} is not in SIASN", 404)
            _raise_unless_ok(response, body)
            if not (isinstance(data, dict) and isinstance(data.get("id"), str)):
                raise _Retry("Jawaban data utama SIASN tanpa id", "SIASN's data-utama answer has no id", 200)
            self._orang_ids[nip] = data["id"]
        return self._orang_ids[nip]

    async def _existing(self, item: SiasnItem) -> str | None:
        """SIASN's id of an entry of this person with the item's certificate number, if there is one."""
        response = await self._call("GET", HISTORY_PATHS[item.riwayat].format(nip=item.nip))
        body = _json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if response.status_code == 404 or data == NOT_FOUND:
            return None
        _raise_unless_ok(response, body)
        key = READ_CERTIFICATE_KEYS[item.riwayat]
        for entry in data if isinstance(data, list) else []:
            if isinstance(entry, dict) and entry.get(key) == item.certificate and entry.get("id"):
                return str(entry["id"])
        return None

    async def _call(self, method: str, path: str, json: dict[str, Any] | None = None) -> httpx.Response:
        """One API call with fresh tokens; a 401 (the token expired mid-run) fetches new ones and tries once
        more. A second 401 means the credentials themselves are refused."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {await self.token.get()}"}
            if self.sso_token is not None:
                headers["Auth"] = f"bearer {await self.sso_token.get()}"
            try:
                response = await self._client.request(method, self._base + path, json=json, headers=headers)
            except httpx.TimeoutException as exc:
                # The request may have arrived: the history check of the next try finds what it stored.
                raise _Retry("SIASN tidak menjawab tepat waktu", f"SIASN did not answer in time ({exc})") from exc
            except httpx.TransportError as exc:
                raise _Stop(
                    f"SIASN tidak dapat dihubungi ({type(exc).__name__})",
                    f"SIASN cannot be reached ({type(exc).__name__}: {exc})",
                ) from exc
            if response.status_code != 401:
                return response
            if attempt == 1:
                self.token.forget()
                if self.sso_token is not None:
                    self.sso_token.forget()
        raise _Stop("SIASN menolak token yang baru diambil (401)", "SIASN refused a freshly fetched token (401)", 401)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _said(body: Any) -> str:
    """SIASN's own words: a failed save carries them in ``mapData`` or ``data`` (a string), else in
    ``message``; the gateway's faults in ``Message``/``message`` and ``description``."""
    if not isinstance(body, dict):
        return ""
    for key in ("mapData", "data", "error_description", "description", "message", "Message", "error"):
        value = body.get(key)
        if isinstance(value, str) and value and value.lower() not in ("success", "gagal", "error"):
            return value
    return str(body.get("message") or body.get("Message") or "")


def _raise_unless_ok(response: httpx.Response, body: Any) -> None:
    status = response.status_code
    if 200 <= status < 300 and isinstance(body, dict):
        return
    said = _said(body) or response.reason_phrase
    if status in (403, 408, 425, 429) or status >= 500 or (200 <= status < 300):
        # 403: the gateway's subscription or scope (a setting to fix, not the item); 2xx without JSON: a proxy.
        raise _Retry(
            f"SIASN belum dapat menerima ({status}): {said}", f"SIASN cannot take it now ({status}): {said}", status
        )
    raise _Refused(f"Ditolak SIASN ({status}): {said}", f"Refused by SIASN ({status}): {said}", status)


def _saved(item: SiasnItem, response: httpx.Response) -> ItemOutcome:
    body = _json(response)
    _raise_unless_ok(response, body)
    if body.get("success") is not True:
        said = _said(body) or "tanpa alasan"
        raise _Refused(f"Ditolak SIASN: {said}", f"Refused by SIASN: {said}", response.status_code)
    map_data = body.get("mapData")
    siasn_id = map_data.get(ID_KEYS[item.riwayat]) if isinstance(map_data, dict) else None
    return ItemOutcome(
        item.reference, Status.SENT, str(siasn_id) if siasn_id else None, http_status=response.status_code
    )
