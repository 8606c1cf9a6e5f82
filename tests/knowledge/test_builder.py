"""The training data generated from knowledge/: current in the repository, stale detection, content."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from bot.knowledge import KNOWLEDGE_DIR, PROJECT_ROOT, load_knowledge
from bot.knowledge.builder import generated_files, stale_files, write_generated


def test_generated_files_in_the_repository_are_current():
    stale = stale_files(load_knowledge(KNOWLEDGE_DIR), PROJECT_ROOT)
    assert stale == [], f"stale generated files {stale}: run `python -m bot.knowledge build`"


def test_check_command_fails_when_knowledge_changed(tmp_path: Path):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    build = [sys.executable, "-m", "bot.knowledge"]
    common = ["--knowledge", str(knowledge), "--root", str(tmp_path)]

    assert subprocess.run([*build, "check", *common], capture_output=True).returncode == 1  # nothing built yet
    assert subprocess.run([*build, "build", *common], capture_output=True).returncode == 0
    assert subprocess.run([*build, "check", *common], capture_output=True).returncode == 0

    path = knowledge / "faq/warranty.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("保修期多久", "保修期到底多久"), encoding="utf-8")
    result = subprocess.run([*build, "check", *common], capture_output=True, text=True)
    assert result.returncode == 1
    assert "stale: bot/data/nlu/faq.yml" in result.stderr


def test_build_command_reports_malformed_entries_without_a_traceback(tmp_path: Path):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    path = knowledge / "faq/contact.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: service_hours", "id: contact_channels"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot.knowledge", "build", "--knowledge", str(knowledge), "--root", str(tmp_path)],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert "entry 'contact_channels': duplicate id" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "bot/data/nlu/faq.yml").exists()


def test_generated_faq_data_matches_the_knowledge_base(tmp_path: Path):
    knowledge = load_knowledge(KNOWLEDGE_DIR)
    write_generated(knowledge, tmp_path)
    document = yaml.safe_load((tmp_path / "bot/data/nlu/faq.yml").read_text(encoding="utf-8"))
    examples = {item["intent"]: item["examples"].splitlines() for item in document["nlu"]}
    for entry in knowledge.entries:
        lines = examples[f"faq/{entry.id}"]
        assert lines[0] == f"- {entry.title}", "the title is an example: suggestion buttons send it"
        assert {f"- {q}" for q in entry.questions} <= set(lines)
        response = document["responses"][f"utter_faq/{entry.id}"][0]
        assert response["text"] == entry.answer
        assert [b["payload"] for b in response.get("buttons", [])] == [
            knowledge.entry(target).title for target in entry.follow_up
        ]


def test_product_synonyms_and_dictionary(tmp_path: Path):
    knowledge = load_knowledge(KNOWLEDGE_DIR)
    write_generated(knowledge, tmp_path)
    synonyms = yaml.safe_load((tmp_path / "bot/data/nlu/products.yml").read_text(encoding="utf-8"))["nlu"]
    wr886n = next(item for item in synonyms if item["synonym"] == "TL-WR886N")
    assert {"- wr886n", "- 886n"} <= set(wr886n["examples"].splitlines())
    dictionary = (tmp_path / "bot/nlu/dictionary/products.txt").read_text(encoding="utf-8").splitlines()
    assert "TL-WR886N 2000 nz" in dictionary


def test_unchanged_files_are_not_rewritten(tmp_path: Path):
    knowledge = load_knowledge(KNOWLEDGE_DIR)
    assert len(write_generated(knowledge, tmp_path)) == len(generated_files(knowledge, tmp_path))
    assert write_generated(knowledge, tmp_path) == []
