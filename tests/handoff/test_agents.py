import subprocess
import sys

import pytest

from bot.handoff.agents import AgentError, authenticate, create_agent, hash_password, verify_password
from bot.store.db import transaction


def test_passwords_are_salted_scrypt_hashes():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and first.startswith("scrypt$") and "correct" not in first
    assert verify_password("correct horse", first) and not verify_password("wrong horse", first)
    assert not verify_password("correct horse", "md5$abc") and not verify_password("x", "garbage")


def test_authenticate(database):
    with transaction() as session:
        create_agent(session, "alice", "小A", "correct horse")
    with transaction() as session:
        assert authenticate(session, "alice", "correct horse").display_name == "小A"
        assert authenticate(session, "alice", "wrong horse") is None
        assert authenticate(session, "nobody", "correct horse") is None


def test_bad_accounts_are_refused(database):
    with transaction() as session:
        create_agent(session, "alice", "", "correct horse")
    with pytest.raises(AgentError, match="already exists"):
        with transaction() as session:
            create_agent(session, "alice", "", "another password")
    with pytest.raises(AgentError, match="at least 8"):
        with transaction() as session:
            create_agent(session, "bob", "", "short")


def test_cli_creates_an_agent(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PATH": "/usr/bin:/bin"}
    add = [sys.executable, "-m", "bot.handoff", "add-agent", "alice", "--name", "小A", "--password-stdin"]
    result = subprocess.run(add, input="correct horse\n", env=env, capture_output=True, text=True)
    assert result.returncode == 0 and "agent alice (小A) created" in result.stdout, result.stderr
    again = subprocess.run(add, input="correct horse\n", env=env, capture_output=True, text=True)
    assert again.returncode == 1 and "already exists" in again.stderr and "Traceback" not in again.stderr
    queue = subprocess.run([sys.executable, "-m", "bot.handoff", "queue"], env=env, capture_output=True, text=True)
    assert queue.returncode == 0 and "0 waiting" in queue.stdout
