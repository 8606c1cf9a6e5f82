"""scripts/lib.sh's `supervise`: `make run` starts the action server again when it dies (Rasa keeps serving)."""

import subprocess
import time

from bot.core.settings import PROJECT_ROOT


def test_a_supervised_process_is_started_again_and_stopped_with_its_supervisor(tmp_path):
    log, runs = tmp_path / "service.log", tmp_path / "runs"
    script = f"""
        source scripts/lib.sh
        trap stop EXIT
        SUPERVISE_DELAY=0.2 supervise "service" {log} bash -c 'echo run >> {runs}; sleep 0.3; exit 3'
        sleep 2
    """
    started = time.monotonic()
    result = subprocess.run(["bash", "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert runs.read_text().count("run") >= 3  # died after 0.3 s, started again each time
    assert "service exited (3), starting it again" in log.read_text()
    time.sleep(1)
    count = runs.read_text().count("run")
    time.sleep(1)
    assert runs.read_text().count("run") == count  # nothing left running once the script ended
    assert time.monotonic() - started < 30
