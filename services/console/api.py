"""Calls to the four services' HTTP APIs, with the signed-in person's own bearer token: the services
decide what the person may see and do; the console never reads their databases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx

from services.console.domain import Language

Service = Literal["needs", "training", "evaluation", "notifications"]
SERVICES: tuple[Service, ...] = ("needs", "training", "evaluation", "notifications")


class ServiceRefused(Exception):
    """A service said no (4xx) or could not answer; its message in both languages, from its error body."""

    def __init__(
        self, status: int, code: str, messages: dict[str, str], rows: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(messages.get("en", code))
        self.status, self.code, self.messages = status, code, messages
        # A refused file's problems, each naming its line and column (the directory import).
        self.rows = rows or []

    def message(self, language: Language) -> str:
        return self.messages.get(language) or self.messages.get("id") or self.code


def _refusal(response: httpx.Response) -> ServiceRefused:
    try:
        error = response.json()["error"]
        messages = dict(error.get("messages") or {"id": error["message"], "en": error["message"]})
        # A refused form names its fields; the person needs to know which.
        if fields := error.get("fields"):
            detail = "; ".join(f"{f['location']}: {f['problem']}" for f in fields)
            messages = {lang: f"{text} ({detail})" for lang, text in messages.items()}
        problems = error.get("problems") if isinstance(error.get("problems"), list) else None
        return ServiceRefused(response.status_code, str(error.get("code", "error")), messages, problems)
    except (ValueError, KeyError, TypeError):
        return ServiceRefused(
            response.status_code,
            "service_error",
            {
                "id": f"Layanan menjawab dengan galat {response.status_code}; coba lagi nanti.",
                "en": f"The service answered with error {response.status_code}; try again later.",
            },
        )


UNREACHABLE = {
    "id": "Layanan {service} tidak dapat dihubungi; coba lagi sebentar lagi.",
    "en": "The {service} service cannot be reached; try again shortly.",
}


@dataclass(frozen=True)
class ServiceApi:
    """One person's view of the services: every call carries their token and language."""

    client: httpx.AsyncClient
    urls: dict[Service, str]
    token: str | None
    language: Language

    async def call(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> Any:
        headers: dict[str, str] = {"Accept-Language": self.language}
        if content_type:
            headers["Content-Type"] = content_type
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = await self.client.request(
                method, self.urls[service] + path, params=query, json=json, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            messages = {lang: text.format(service=service) for lang, text in UNREACHABLE.items()}
            raise ServiceRefused(503, "service_unreachable", messages) from exc
        if response.status_code >= 400:
            raise _refusal(response)
        return response.json() if response.content else None

    async def get(self, service: Service, path: str, **params: Any) -> Any:
        return await self.call(service, "GET", path, params=params)

    async def post(self, service: Service, path: str, body: Any = None) -> Any:
        return await self.call(service, "POST", path, json=body if body is not None else {})

    async def upload(self, service: Service, path: str, content: bytes, content_type: str) -> Any:
        return await self.call(service, "POST", path, content=content, content_type=content_type)

    async def put(self, service: Service, path: str, body: Any) -> Any:
        return await self.call(service, "PUT", path, json=body)
