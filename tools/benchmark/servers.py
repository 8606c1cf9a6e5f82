"""Server processes for the benchmark and the tests: started on free loopback ports, logs to a file."""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional, Set

import httpx

from bot.knowledge import PROJECT_ROOT


def variables_in(path: Path) -> Set[str]:
    """The ${NAME}s a configuration file uses, comments left out."""
    text = "\n".join(line.split("#", 1)[0] for line in path.read_text(encoding="utf-8").splitlines())
    return set(re.findall(r"\$\{(\w+)\}", text))


def config_variables() -> Set[str]:
    """What credentials.yml and endpoints.yml read: Rasa refuses to start while one of them is unset, so whoever
    starts it sets them all (empty turns a channel off)."""
    return variables_in(PROJECT_ROOT / "credentials.yml") | variables_in(PROJECT_ROOT / "endpoints.yml")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server process whose output goes to a log file."""

    def __init__(self, name: str, command: List[str], env: Dict[str, str], log: Path,
                 cwd: Optional[Path] = None) -> None:
        self.name = name
        self.log = log
        self._log_file = log.open("w")
        self.process = subprocess.Popen(
            command, cwd=cwd or PROJECT_ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def wait_until_ready(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        self.stop()
        tail = self.log.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"{self.name} did not become ready at {url}; log tail:\n{tail}")

    def peak_rss_mb(self) -> float:
        """The process's peak resident set size so far (Linux: VmHWM), in MB; NaN where /proc has no answer."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return float("nan")
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log_file.close()
