"""The API documents' prose has no inline code: ReDoc shows inline code in a colour whose contrast fails
WCAG 2.1 AA (2:1 on its background), which the browser test of /redoc reports as a serious violation.
This finds it without a browser, with the operation that carries it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.test_request_bounds import SERVICES, openapi


def prose(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every description and summary in the document, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str):
                yield where, value
            else:
                yield from prose(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from prose(value, f"{where}/{i}")


@pytest.mark.parametrize("service", SERVICES)
def test_no_inline_code_in_the_api_documents_prose(service):
    found = [f"{where}: {text[:80]!r}" for where, text in prose(openapi(service), service) if "`" in text]
    assert not found, "write names in the descriptions as plain words, not `code`:\n" + "\n".join(found)


def test_the_walk_finds_inline_code():
    document = {"paths": {"/x": {"get": {"description": "Reads `employees`."}}}}
    assert [where for where, text in prose(document, "x") if "`" in text] == ["x/paths//x/get"]
