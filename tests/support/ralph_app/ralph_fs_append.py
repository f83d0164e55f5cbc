"""Ralph's ASGI app with two defects of its filesystem backend mended (run by tests/support/lrs.py inside
Ralph's own virtualenv; never imported by the project). Both were found by the LRS-restart test:

- ralph-malph 5.1.0's fs LRS backend writes with the data backend's default operation type, CREATE, which
  refuses to open an existing file: the first write creates ``fs_lrs.jsonl`` and every later one answers
  500 "Statement indexation failed" (its API tests never run on the fs backend). APPEND is what a
  statements file needs.
- every read and write rewrites ``history.json`` in place (truncate, then dump): a kill in between leaves
  it empty, and from then on every request fails with a JSONDecodeError (500) until the file is removed.
  Writing it to a temporary file and renaming it over the old one is atomic.

Nothing else of Ralph is changed: routes, validation, equivalence checks and storage are its own.
"""

import json
import os
import threading
from typing import Any

from ralph.backends.data.base import BaseOperationType
from ralph.backends.data.mixins import HistoryMixin
from ralph.backends.lrs.fs import FSLRSBackend
from ralph.conf import settings

FSLRSBackend.default_operation_type = BaseOperationType.APPEND


def _write_history_atomically(self: HistoryMixin, history: list[dict[str, Any]]) -> None:
    path = settings.HISTORY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(json.dumps(history), encoding=settings.LOCALE_ENCODING)
    os.replace(temporary, path)
    self._history = history  # type: ignore[attr-defined]


HistoryMixin.write_history = _write_history_atomically  # type: ignore[method-assign]

from ralph.api import app  # noqa: E402  (the backend is chosen when ralph.api is imported)

__all__ = ["app"]
