import shutil
from pathlib import Path

from bot.knowledge import PROJECT_ROOT
from bot.training import TRAINING_INPUTS, fingerprint, model_path


def copy_inputs(target: Path) -> None:
    for name in TRAINING_INPUTS:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def test_fingerprint_is_stable_and_follows_every_input(tmp_path: Path):
    copy_inputs(tmp_path)
    original = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == original == fingerprint(PROJECT_ROOT)

    (tmp_path / "bot/data/nlu/chitchat.yml").write_text("version: '3.1'\n", encoding="utf-8")
    assert fingerprint(tmp_path) != original


def test_fingerprint_ignores_bytecode(tmp_path: Path):
    copy_inputs(tmp_path)
    original = fingerprint(tmp_path)
    (tmp_path / "bot/nlu/__pycache__").mkdir(exist_ok=True)
    (tmp_path / "bot/nlu/__pycache__/x.pyc").write_bytes(b"\0")
    assert fingerprint(tmp_path) == original


def test_model_path_names_the_fingerprint():
    assert model_path().name == f"tp-assistant-{fingerprint()}.tar.gz"
