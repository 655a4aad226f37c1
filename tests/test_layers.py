"""Dependencies point one way (DESIGN.md): tools -> sources -> (upstream, domain), and nothing imports
in a circle. The contracts are import-linter's, in pyproject.toml ([tool.importlinter]); imports under
TYPE_CHECKING and inside functions count too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_layering_contracts_hold() -> None:
    # in a child process: import-linter reconfigures logging (disabling this process's loggers)
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
