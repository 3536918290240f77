"""Running a test file again on PostgreSQL from a SQLite run.

Some behaviour is PostgreSQL's own (row locks that wait, trigrams). On the
embedded defaults such a test runs its file again in a pytest of its own against
the local PostgreSQL, in a database of its own, so the SQLite pass runs it too
instead of skipping it (CI runs every test in both passes). Such a test is marked
`postgres_rerun`: when the same run's PostgreSQL pass runs the file anyway
(`POSTGRES_PASS=1`, which `.ci/run` sets for its SQLite pass), it is left out of
the SQLite pass rather than run twice on PostgreSQL."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

from conftest import require_service

ROOT = Path(__file__).resolve().parents[1]


def run_again_on_postgresql(test_file, *pytest_args):
    """Run `test_file` (with `pytest_args`) on the local PostgreSQL; fail with its
    output unless every test it collects passes. Returns pytest's last line."""
    base = require_service(
        "PostgreSQL", "postgres://postgres@127.0.0.1:5432/postgres"
    ).rsplit("/", 1)[0]
    env = {**os.environ, "DATABASE_URL": f"{base}/educa_rerun_{uuid.uuid4().hex[:10]}"}
    run = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + [str(test_file), *pytest_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    last = run.stdout.strip().splitlines()[-1]
    assert " passed" in last and " skipped" not in last, run.stdout[-3000:]
    return last
