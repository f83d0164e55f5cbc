"""A real Learning Record Store for the xAPI tests: Ralph (openfun, PyPI ``ralph-malph``) on loopback, with
its filesystem backend and HTTP Basic auth.

Ralph's ``lrs`` extra pins fastapi 0.114 and uvicorn 0.30, older than the services' own, so it lives in a
virtualenv of its own, installed once from ``ralph-requirements.txt`` (every package pinned with its hash)
into ``$RALPH_VENV`` (default ``$INFRA_DIR/ralph-venv``, i.e. ``.infra/ralph-venv``). Two pitfalls of its
defaults are avoided here: it would serve the Elasticsearch backend on 0.0.0.0, so the backend is ``fs``
and uvicorn binds 127.0.0.1; and it reads ``.env`` from its working directory, so it runs in its own. One
bug is mended: 5.1.0's fs backend stores only the first write (``ralph_app/ralph_fs_append.py``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.infra import REPO
from tests.support.processes import free_port, kill, stop

REQUIREMENTS = Path(__file__).with_name("ralph-requirements.txt")
# Ralph's app with its fs backend appending (see that module for why).
APP_DIR = Path(__file__).with_name("ralph_app")
USERNAME = "bkpsdm-xapi"
PASSWORD = "ralph-test-password"
HOW_TO_INSTALL = (
    "The xAPI tests need the Ralph LRS: it is installed from PyPI (tests/support/ralph-requirements.txt, hashed) "
    "into $RALPH_VENV (default .infra/ralph-venv) on first use; that needs `python3 -m venv` and the package index."
)


class RalphUnavailable(RuntimeError):
    pass


def venv_dir() -> Path:
    if configured := os.environ.get("RALPH_VENV"):
        return Path(configured)
    return Path(os.environ.get("INFRA_DIR", REPO / ".infra")) / "ralph-venv"


def ensure_installed() -> Path:
    """The Ralph virtualenv, installed (or reinstalled after the requirements changed) under a file lock, so
    parallel test sessions never install into one venv at once. Returns its python."""
    venv = venv_dir()
    python = venv / "bin" / "python"
    stamp = venv / ".requirements.sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / ".ralph-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
            return python
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            [str(python), "-m", "pip", "install", "-q", "--require-hashes", "-r", str(REQUIREMENTS)],
        ]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=900, check=False)
            if done.returncode != 0:
                raise RalphUnavailable(f"{' '.join(step)} failed:\n{done.stderr[-2000:]}\n{HOW_TO_INSTALL}")
        stamp.write_text(wanted)
    return python


@dataclass
class Ralph:
    """One Ralph process over one data directory; ``kill`` and ``start`` again keep the data."""

    python: Path
    data_dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    @property
    def statements_file(self) -> Path:
        return self.data_dir / "lrs" / "fs_lrs.jsonl"

    def _env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith("RALPH_")}
        return keep | {
            "RALPH_APP_DIR": str(self.data_dir),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.data_dir / "lrs"),
        }

    def _listen(self) -> list[str]:
        return ["--host", "127.0.0.1", "--port", str(self.port)]

    def create_user(self) -> None:
        """``ralph auth`` writes the bcrypt-hashed Basic user to ``<RALPH_APP_DIR>/auth.json``."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            str(self.python),
            "-m",
            "ralph",
            "auth",
            "--write-to-disk",
            "--username",
            USERNAME,
            "--password",
            PASSWORD,
            "--scope",
            "statements/write",
            "--scope",
            "statements/read",
            "--agent-ifi-mbox",
            f"mailto:{USERNAME}@example.org",  # email-validator refuses reserved domains (.local)
        ]
        done = subprocess.run(
            command, cwd=self.data_dir, env=self._env(), capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RalphUnavailable(f"ralph auth failed:\n{done.stderr[-2000:]}")

    def start(self, timeout_s: float = 60) -> Ralph:
        log = (self.data_dir / "ralph.log").open("ab")
        self.proc = subprocess.Popen(
            [str(self.python), "-m", "uvicorn", "ralph_fs_append:app", "--app-dir", str(APP_DIR), *self._listen()],
            cwd=self.data_dir,
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RalphUnavailable(f"Ralph exited with {self.proc.returncode}:\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=2).status_code == 200:
                    return self
            time.sleep(0.2)
        raise RalphUnavailable(f"Ralph did not answer within {timeout_s}s:\n{self.tail()}")

    def kill(self) -> None:
        kill(self.proc)

    def stop(self) -> None:
        stop(self.proc, timeout_s=15)

    def tail(self, lines: int = 30) -> str:
        path = self.data_dir / "ralph.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"

    def stored(self) -> list[dict[str, Any]]:
        """What the fs backend wrote, line by line: a statement stored twice would show here twice."""
        if not self.statements_file.exists():
            return []
        return [json.loads(line) for line in self.statements_file.read_text().splitlines() if line.strip()]

    def strict_errors(self, statements: list[dict[str, Any]]) -> list[str]:
        """Ralph's strict xAPI 1.0.3 model (``BaseXapiStatement``) over each statement, run in Ralph's venv:
        an independent check of the shape, stricter than what its POST/PUT routes accept."""
        script = (
            "import json, sys\n"
            "from ralph.models.xapi.base.statements import BaseXapiStatement\n"
            "for s in json.load(sys.stdin):\n"
            "    try:\n"
            "        BaseXapiStatement.model_validate(s)\n"
            "    except Exception as exc:\n"
            "        print(s.get('id'), str(exc).replace(chr(10), ' '))\n"
        )
        done = subprocess.run(
            [str(self.python), "-c", script],
            input=json.dumps(statements),
            cwd=self.data_dir,
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RalphUnavailable(f"strict validation could not run:\n{done.stderr[-2000:]}")
        return done.stdout.splitlines()


@contextlib.contextmanager
def ralph(data_dir: Path) -> Iterator[Ralph]:
    server = Ralph(ensure_installed(), data_dir)
    server.create_user()
    server.start()
    try:
        yield server
    finally:
        server.stop()
