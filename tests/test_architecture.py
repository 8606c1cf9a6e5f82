"""The layer contracts in pyproject.toml ([tool.importlinter]), checked by import-linter on the real import graph:
the core imports none of channels, hand-off, console and actions; those form no cycle; bot/ imports no tools/."""

import subprocess
import sys
from pathlib import Path

from bot.core.settings import PROJECT_ROOT


def test_layer_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
