"""Request models' base, and responses read straight from documents, so each response names its fields once.

A ``RequestModel`` takes only the fields it declares and no non-finite float (``1e999`` is infinity);
its numbers and dates use the bounded types of ``shared.http.bounds``.

A ``DocumentView`` reads every field from the document attribute of the same name (a field whose name
differs says where it reads from with ``validation_alias``, e.g. ``enrolment_id`` from ``id``). What the
document does not hold (a figure computed for the answer) is given to ``of`` by name."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class _With:
    """A document with a few more attributes on top, for the fields computed for one answer."""

    def __init__(self, doc: Any, extra: dict[str, Any]) -> None:
        self._doc, self._extra = doc, extra

    def __getattr__(self, name: str) -> Any:
        return self._extra[name] if name in self._extra else getattr(self._doc, name)


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class DocumentView(BaseModel):
    # By name as well as by alias: FastAPI validates the returned model again from its own dump.
    model_config = ConfigDict(from_attributes=True, validate_by_name=True, validate_by_alias=True)

    @classmethod
    def of(cls, doc: Any, **computed: Any) -> Self:
        return cls.model_validate(_With(doc, computed) if computed else doc)
