"""API errors shown to staff: Bahasa Indonesia by default, English when the client asks for it.

The use cases refuse with ``shared.domain.errors``, which know no HTTP; this module gives each kind its
status, once. ``ApiError`` is for what only the HTTP edge decides (tokens, roles, malformed requests)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from shared.domain.errors import Conflict, DomainError, Forbidden, Invalid, InvalidItems, NotFound
from shared.persistence import DATABASE_UNAVAILABLE

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message_id: str, message_en: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        self.headers = headers


# Every refusal of a use case as the HTTP status that says it (subclasses inherit their kind's status).
DOMAIN_STATUS: dict[type[DomainError], int] = {NotFound: 404, Forbidden: 403, Conflict: 409, Invalid: 422}


def status_of(error: DomainError) -> int:
    return next((DOMAIN_STATUS[kind] for kind in type(error).__mro__ if kind in DOMAIN_STATUS), 400)


def wants_english(request: Request) -> bool:
    return request.headers.get("accept-language", "").strip().lower().startswith("en")


def error_body(request: Request, code: str, message_id: str, message_en: str, **extra: Any) -> dict[str, Any]:
    message = message_en if wants_english(request) else message_id
    return {"error": {"code": code, "message": message, "messages": {"id": message_id, "en": message_en}, **extra}}


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(
        error_body(request, exc.code, exc.message_id, exc.message_en), status_code=exc.status, headers=exc.headers
    )


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    extra = {"items": exc.items} if isinstance(exc, InvalidItems) else {}
    return JSONResponse(
        error_body(request, exc.code, exc.message_id, exc.message_en, **extra), status_code=status_of(exc)
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"location": ".".join(str(p) for p in err["loc"]), "problem": err["msg"], "type": err["type"]}
        for err in exc.errors()
    ]
    # The message names the fields too, for a person reading it without the list (at most a few).
    named = ", ".join(dict.fromkeys(f["location"] for f in fields[:5]))[:300]
    body = error_body(
        request,
        "invalid_request",
        f"Permintaan tidak valid; periksa isian berikut: {named}.",
        f"The request is not valid; check the fields listed: {named}.",
        fields=fields,
    )
    return JSONResponse(body, status_code=422)


# Errors the framework raises before a route runs, in the same bilingual shape as ApiError.
_HTTP_ERRORS = {
    404: ("not_found", "Alamat ini tidak ada.", "There is nothing at this address."),
    405: ("method_not_allowed", "Metode ini tidak didukung di alamat ini.", "This method is not allowed here."),
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code, message_id, message_en = _HTTP_ERRORS.get(exc.status_code, ("http_error", str(exc.detail), str(exc.detail)))
    return JSONResponse(
        error_body(request, code, message_id, message_en), status_code=exc.status_code, headers=exc.headers
    )


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    body = error_body(
        request,
        "internal_error",
        "Terjadi kesalahan pada sistem; tidak ada data yang berubah sebagian. Coba lagi atau hubungi BKPSDM.",
        "Something went wrong on our side; nothing was partly changed. Try again or contact BKPSDM.",
    )
    return JSONResponse(body, status_code=500)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # Not "nothing changed": a write whose answer was lost may have been applied, so the caller checks.
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    body = error_body(
        request,
        "database_unavailable",
        "Basis data sedang tidak menjawab. Coba lagi sebentar lagi; bila Anda baru saja menyimpan sesuatu, "
        "periksa dulu apakah sudah tersimpan.",
        "The database is not answering. Try again shortly; if you were saving something, check first "
        "whether it was saved.",
    )
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, _database_unavailable)
    app.add_exception_handler(Exception, unexpected_error)
