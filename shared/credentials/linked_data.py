"""JSON-LD processing that never goes online: the bundled contexts and RDF Dataset Canonicalization.

These machines, and the verification page in production, must not depend on w3.org or imsglobal.org
answering (and a context fetched at run time could be swapped under us). The VC 2.0 Recommendation says
implementations MUST treat its base context as already retrieved; the others are bundled the same way,
each with its SHA-256 and licence (``contexts/README.md``). Every other URL is refused.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld

CONTEXTS_DIR = Path(__file__).with_name("contexts")

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

# The @context of every Open Badges 3.0 credential, in this order (OB 3.0 §7.1; reference notes).
CREDENTIAL_CONTEXT = (VC_V2, OB_V3P0)


@dataclass(frozen=True)
class BundledContext:
    url: str
    file: str
    sha256: str


# The SHA-256 of each file as published (VC 2.0: the digest in the Recommendation; OB 3.0.3: 1EdTech's
# validator copy; DID v1 and Multikey v1: the files in the pinned npm packages named in contexts/README.md).
BUNDLED = {
    c.url: c
    for c in (
        BundledContext(
            VC_V2, "credentials-v2.jsonld", "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
        ),
        BundledContext(
            OB_V3P0, "ob-v3p0-context-3.0.3.json", "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84"
        ),
        BundledContext(DID_V1, "did-v1.jsonld", "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f"),
        BundledContext(
            MULTIKEY_V1, "multikey-v1.jsonld", "c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6"
        ),
    )
}


class ContextNotBundled(Exception):
    """A document named a context this system does not carry; it is never fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(f"JSON-LD context {url!r} is not bundled; refusing to load it")
        self.url = url


class UnsafeDocument(Exception):
    """A document has content its contexts do not define (it would vanish from the signed form)."""


@cache
def _context_document(url: str) -> dict[str, Any]:
    return json.loads((CONTEXTS_DIR / BUNDLED[url].file).read_text(encoding="utf-8"))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:  # noqa: ARG001
    """pyld document loader serving only the bundled contexts (pyld passes its options; none apply)."""
    if url not in BUNDLED:
        raise ContextNotBundled(url)
    # A copy: pyld must never be able to alter the cached original.
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(_context_document(url))}


def _options() -> dict[str, Any]:
    return {"documentLoader": document_loader, "base": None}


def expand_safely(document: dict[str, Any]) -> list[Any]:
    """Expand, refusing any property the contexts leave undefined and any relative identifier.

    pyld silently drops what it cannot map to an IRI, so such a property would not be covered by the
    signature: someone could add ``"nip": ...`` to a genuine credential and it would still verify. The
    same check as "safe mode" in the JavaScript implementations.
    """
    dropped: list[str | None] = []
    try:
        expanded: list[Any] = jsonld.expand(document, _options(), on_property_dropped=dropped.append)
    except jsonld.JsonLdError as exc:
        cause = _root_cause(exc)
        if isinstance(cause, ContextNotBundled):
            raise cause from exc
        raise UnsafeDocument(f"not valid JSON-LD: {cause}") from exc
    if dropped:
        names = ", ".join(sorted(str(d) for d in dropped))
        raise UnsafeDocument(f"properties not defined by the document's contexts: {names}")
    _check_identifiers(expanded)
    return expanded


def _check_identifiers(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _check_identifiers(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@id" and not _is_absolute(value):
                raise UnsafeDocument(f"identifier {value!r} is not an absolute IRI")
            if key == "@type" and any(not _is_absolute(t) for t in (value if isinstance(value, list) else [value])):
                raise UnsafeDocument(f"type {value!r} is not defined by the document's contexts")
            if key != "@value":
                _check_identifiers(value)


def _is_absolute(iri: Any) -> bool:
    return isinstance(iri, str) and (iri.startswith("_:") or ":" in iri.split("/", 1)[0])


def _root_cause(exc: BaseException) -> BaseException:
    while True:
        nested = exc.__cause__ or getattr(exc, "cause", None)
        if not isinstance(nested, BaseException):
            return exc
        exc = nested


def canonicalize(document: dict[str, Any]) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0, which pyld calls URDNA2015) as N-Quads."""
    expanded = expand_safely(document)
    try:
        result: str = jsonld.normalize(
            expanded, {**_options(), "algorithm": "URDNA2015", "format": "application/n-quads"}
        )
    except jsonld.JsonLdError as exc:
        raise UnsafeDocument(f"cannot be canonicalized: {_root_cause(exc)}") from exc
    return result
