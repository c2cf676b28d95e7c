"""The Python tools hold for the whole tree: ruff's lint and format check and mypy on widget/ (all
configured in pyproject.toml), and no test module imports another test module."""

import re
import subprocess
import sys

import pytest

from tests.support import ROOT

TOOLS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--no-cache", "--check", "."],
    "mypy": [sys.executable, "-m", "mypy", "widget"],
}

# A test module is a test_*.py or a conftest.py; tests/support.py, e2e/widget_page.py and the like
# are support modules that tests share.
TEST_MODULE_IMPORT = re.compile(
    r"^\s*(from|import)\s+(tests|e2e)(\.\w+)*\.(test_\w+|conftest)\b", re.MULTILINE
)


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_passes(tool):
    done = subprocess.run(TOOLS[tool], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{tool} failed:\n{done.stdout}{done.stderr}"


def test_no_test_module_imports_another():
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for folder in ("tests", "e2e", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if ".cache" not in path.parts
        for match in TEST_MODULE_IMPORT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, "import from tests/support.py (or a *_support.py) instead:\n" + "\n".join(
        found
    )


@pytest.mark.parametrize(
    "line",
    [
        "from tests.integration.test_operations import console",
        "    from tests.integration.test_operations import console",
        "from e2e.test_widget_agent import connected",
        "from e2e.conftest import SERVER_ENV",
        "from tests.conftest import LIMITS",
        "import tests.unit.test_store",
    ],
)
def test_the_check_sees_test_module_imports(line):
    assert TEST_MODULE_IMPORT.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "from tests.support import console, served",
        "from tests.unit.storekit import interaction",
        "from e2e.widget_page import Widget",
        "from e2e.console_support import Console",
        "from tests.services import Postgres",
    ],
)
def test_the_check_leaves_support_modules_alone(line):
    assert not TEST_MODULE_IMPORT.search(line)
