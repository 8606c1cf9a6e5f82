import logging
import subprocess
import sys

import pytest

from bot.handoff.agents import (
    AgentError,
    authenticate,
    create_agent,
    hash_password,
    needs_rehash,
    verify_password,
)
from bot.store.db import transaction
from bot.store.models import Agent


def test_passwords_are_salted_scrypt_hashes():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and first.startswith("scrypt$") and "correct" not in first
    assert verify_password("correct horse", first) and not verify_password("wrong horse", first)
    assert not verify_password("correct horse", "md5$abc") and not verify_password("x", "garbage")


def test_a_hash_carries_its_parameters_and_outdated_ones_need_rehashing():
    current = hash_password("correct horse")
    assert current.split("$")[:4] == ["scrypt", str(2**14), "8", "1"] and not needs_rehash(current)
    for weaker in (hash_password("correct horse", n=2**10), hash_password("correct horse", r=4),
                   hash_password("correct horse", p=2), hash_password("correct horse", dklen=16)):
        assert verify_password("correct horse", weaker) and needs_rehash(weaker)
    assert needs_rehash("md5$abc") and needs_rehash("garbage") and needs_rehash("")


def test_a_log_in_replaces_an_outdated_hash_in_the_same_transaction(database, caplog):
    weak = hash_password("correct horse", n=2**10, r=4)
    with transaction() as session:
        create_agent(session, "alice", "小A", "correct horse").password_hash = weak
    with transaction() as session:
        assert authenticate(session, "alice", "wrong horse") is None
        assert session.query(Agent).one().password_hash == weak  # not on a failed log-in
    with caplog.at_level(logging.INFO, logger="bot.handoff.agents"):
        with transaction() as session:
            assert authenticate(session, "alice", "correct horse") is not None
    with transaction() as session:
        stored = session.query(Agent).one().password_hash
    assert stored != weak and not needs_rehash(stored) and verify_password("correct horse", stored)
    assert "alice's password hash upgraded from scrypt$1024$4$1" in caplog.text and "correct horse" not in caplog.text
    with transaction() as session:
        assert authenticate(session, "alice", "correct horse") is not None
        assert session.query(Agent).one().password_hash == stored  # current parameters: kept


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


def test_cli_demo_agent_takes_its_password_from_the_settings(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PATH": "/usr/bin:/bin",
           "CONSOLE_DEMO_PASSWORD": "another demo password"}
    demo = subprocess.run([sys.executable, "-m", "bot.handoff", "demo-agent"], env=env, capture_output=True, text=True)
    assert demo.returncode == 0 and "demo / another demo password" in demo.stdout, demo.stderr
    bad = subprocess.run([sys.executable, "-m", "bot.handoff", "queue"], env={**env, "CONSOLE_SESSION_HOURS": "x"},
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "CONSOLE_SESSION_HOURS" in bad.stderr and "Traceback" not in bad.stderr
