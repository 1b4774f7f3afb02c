"""Benchmarks stop what they started: a server's workers die with it, even when the supervisor leaves them."""

import subprocess
import time
from pathlib import Path

from ocg.spine.bench.common import stop_processes


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_stopping_a_group_leader_kills_the_workers_it_left(tmp_path):
    pid_file = tmp_path / "worker.pid"
    # A supervisor that exits on SIGTERM without stopping its worker, as a uvicorn supervisor may.
    supervisor = subprocess.Popen(["sh", "-c", f"sleep 300 & echo $! > {pid_file}; wait"], start_new_session=True)
    plain = subprocess.Popen(["sleep", "300"])
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline, "the supervisor did not start its worker"
        time.sleep(0.01)
    worker = int(pid_file.read_text())
    assert alive(worker)

    stop_processes([supervisor, plain], grace_seconds=5)

    assert supervisor.returncode is not None
    assert plain.returncode is not None
    deadline = time.monotonic() + 5
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not alive(worker)
