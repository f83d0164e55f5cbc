"""Test tools that run on node, each a directory under tests/support with its package.json and
package-lock.json: installed with ``npm ci`` (exactly the locked versions, from the npm registry) the
first time a test needs one. A machine without node or npm fails the test with how to install them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class NodeToolUnavailable(Exception):
    pass


def ensure_node_tool(directory: Path, installed: str) -> Path:
    """``directory`` with its node_modules; ``installed`` is a path under node_modules that proves it."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise NodeToolUnavailable(
            f"{directory.name} needs node >= 20 and npm (Debian: apt-get install nodejs npm); "
            f"then run: npm ci --prefix {directory}"
        )
    if not (directory / "node_modules" / installed).exists():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=directory, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise NodeToolUnavailable(f"npm ci in {directory} failed:\n{done.stdout}\n{done.stderr}")
    return directory
