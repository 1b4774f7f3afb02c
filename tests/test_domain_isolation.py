"""Domain tests need no database and no ORM: they run here in a process with pytest-django off.

`tests/conftest.py` fails that run if any ORM module was imported by the time it ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def domain_test_files() -> list[str]:
    return sorted(
        str(path.relative_to(TESTS.parent)) for path in TESTS.rglob("test_domain*.py") if path != Path(__file__)
    )


def test_domain_tests_pass_without_django_orm_or_database():
    files = domain_test_files()
    assert len(files) >= 2, files
    environment = {
        **os.environ,
        "OCG_TEST_FORBID_ORM": "1",
        # Nothing may connect: a database URL that cannot work proves no test tried.
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:django",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::pytest.PytestConfigWarning",
            "-q",
            *files,
        ],
        cwd=TESTS.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ORM modules imported" not in result.stderr
    assert " passed" in result.stdout
