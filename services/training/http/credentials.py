"""Certificates over HTTP. Public, no sign-in: the issuer profile and its keys, the status lists, and
verification (a page for people, JSON for systems). The participant and BKPSDM: the credential JSON
and the printable certificate; the participant: whether their name goes on it; BKPSDM: revocation.

The public routes answer from stored documents and one verification each; there is no rate limiter
in the services to put in front of them (the reverse proxy's is the place, README "Certificates")."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from services.training.certificates.register import Register
from services.training.documents import EnrolmentDocument
from services.training.http.schemas import CertificateNameIn, EnrolmentOut, RevocationIn
from shared.credentials.page import render_verification
from shared.credentials.status import LIST_TTL_MS
from shared.domain.identity import Principal, Role
from shared.http.access import Admin, Staff, scope_of, visible
from shared.http.errors import ApiError, wants_english
from shared.persistence import get_or_not_found

LD_JSON = "application/ld+json"
# In the OpenAPI document: these routes answer JSON-LD (verifiers ask for it by this media type).
LD_DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {"description": "A JSON-LD document", "content": {LD_JSON: {"schema": {"type": "object"}}}}
}
CredentialId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Language = Annotated[Literal["id", "en"] | None, Query(description="Default: from Accept-Language, else id")]
# The largest credential a verifier is asked to check (ours are about 6 KB).
MAX_PRESENTED_CHARS = 200_000


def _ld(document: dict[str, Any], **headers: str) -> Response:
    return Response(json.dumps(document, ensure_ascii=False), media_type=LD_JSON, headers=headers)


def _language(request: Request, asked: str | None) -> str:
    return asked or ("en" if wants_english(request) else "id")


def _holder_or_bkpsdm(enrolment_id: str, who: Principal) -> EnrolmentDocument:
    """The participant's certificate is theirs and BKPSDM's: a supervisor sees the seat, not the file."""
    e = visible(scope_of(who), get_or_not_found(EnrolmentDocument, enrolment_id, "Pendaftaran", "Enrolment"))
    if who.nip != e.nip and not who.has_any(Role.BKPSDM_ADMIN):
        raise ApiError(
            403,
            "forbidden",
            "Sertifikat hanya untuk pemegangnya dan BKPSDM.",
            "A certificate is for its holder and BKPSDM.",
        )
    return e


def build_router(register: Register) -> APIRouter:
    router = APIRouter(tags=["certificates"])
    credentials = register.credentials

    def verdict(e: EnrolmentDocument) -> dict[str, Any]:
        answer = register.verify(register.credential_of(e)).as_dict()
        return answer | {"certificate_number": e.certificate_number}

    @router.get(
        "/credentials/issuer",
        responses=LD_DOCUMENT,
        summary="Public: the issuer profile (BKPSDM) with its keys, JSON-LD",
    )
    def issuer_profile() -> Response:
        return _ld(credentials.issuer_profile())

    @router.get(
        "/credentials/issuer/keys/{multikey}",
        responses=LD_DOCUMENT,
        summary="Public: one verification method (Multikey)",
    )
    def verification_method(multikey: Annotated[str, Path(max_length=100)]) -> Response:
        method = credentials.verification_method(multikey)
        if method is None:
            raise ApiError(404, "not_found", "Kunci tidak dikenal.", "Unknown key.")
        return _ld(method)

    @router.get(
        "/credentials/status/{list_id}",
        responses=LD_DOCUMENT,
        summary="Public: a signed revocation list (Bitstring Status List)",
    )
    def status_list(list_id: Annotated[str, Path(max_length=64)]) -> Response:
        document = register.status_list(list_id)
        if document is None:
            raise ApiError(404, "not_found", "Daftar status tidak dikenal.", "Unknown status list.")
        # As long as the list says a verifier may keep it (ttl).
        return _ld(document, **{"Cache-Control": f"public, max-age={LIST_TTL_MS // 1000}"})

    @router.get(
        "/credentials/verification",
        summary="Public: is the certificate with this number valid?",
        responses={404: {"description": "No certificate has this number"}},
    )
    def verify_number(number: Annotated[str, Query(min_length=1, max_length=100)]) -> dict[str, Any]:
        # The verdict only, not the page: a number can be derived from a batch code and a NIP
        # (domain.certificate_number), while the page's id is random and known only to the holder's readers.
        return verdict(register.by_number(number)) | {"credential_id": None}

    @router.post(
        "/credentials/verification",
        summary="Public: check a credential JSON (valid, revoked, tampered, expired, not yet valid, unverifiable)",
    )
    def verify_presented(credential: Annotated[Any, Body(description="An OpenBadgeCredential")]) -> dict[str, Any]:
        if len(json.dumps(credential)) > MAX_PRESENTED_CHARS:
            raise ApiError(413, "too_large", "Kredensial terlalu besar.", "The credential is too large.")
        return register.verify(credential).as_dict()

    @router.get("/credentials/{credential_id}/verification", summary="Public: the verdict on an issued certificate")
    def verify_issued(credential_id: CredentialId) -> dict[str, Any]:
        return verdict(register.by_credential_id(credential_id))

    @router.get(
        "/credentials/{credential_id}",
        response_class=HTMLResponse,
        summary="Public: the verification page a certificate's QR code opens (the credential's id)",
    )
    def verification_page(credential_id: CredentialId, request: Request, lang: Language = None) -> HTMLResponse:
        credential = register.credential_of(register.by_credential_id(credential_id))
        page = render_verification(register.verify(credential), credential, language=_language(request, lang))
        return HTMLResponse(page)

    @router.get(
        "/enrolments/{enrolment_id}/credential",
        responses=LD_DOCUMENT,
        summary="The signed certificate as JSON (holder, BKPSDM)",
    )
    def download(enrolment_id: str, who: Staff) -> Response:
        e = _holder_or_bkpsdm(enrolment_id, who)
        filename = f"sertifikat-{e.certificate_number or e.id}".replace("/", "-")
        return _ld(register.credential_of(e), **{"Content-Disposition": f'attachment; filename="{filename}.json"'})

    @router.get(
        "/enrolments/{enrolment_id}/certificate",
        response_class=HTMLResponse,
        summary="The printable certificate, A4, with its verification QR code (holder, BKPSDM)",
    )
    def printable(enrolment_id: str, who: Staff, request: Request, lang: Language = None) -> HTMLResponse:
        e = _holder_or_bkpsdm(enrolment_id, who)
        page = credentials.render_certificate(
            register.credential_of(e), language=_language(request, lang), revoked=e.revoked_at is not None
        )
        return HTMLResponse(page)

    @router.put(
        "/enrolments/{enrolment_id}/certificate-name",
        summary="The participant's consent to have their name on the certificate (before completion)",
    )
    def choose_name(enrolment_id: str, body: CertificateNameIn, who: Staff) -> EnrolmentOut:
        e = visible(scope_of(who), get_or_not_found(EnrolmentDocument, enrolment_id, "Pendaftaran", "Enrolment"))
        if who.nip != e.nip:
            raise ApiError(
                403,
                "forbidden",
                "Hanya peserta sendiri yang memutuskan namanya dicantumkan.",
                "Only the participant decides whether their name is shown.",
            )
        return EnrolmentOut.of(register.choose_name(enrolment_id, body.name))

    @router.post(
        "/enrolments/{enrolment_id}/certificate/revocation",
        summary="BKPSDM withdraws a certificate: who and why are recorded, its status bit is set",
    )
    def revoke(enrolment_id: str, body: RevocationIn, who: Admin) -> EnrolmentOut:
        return EnrolmentOut.of(register.revoke(enrolment_id, who.nip, body.reason))

    return router
