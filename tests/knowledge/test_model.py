"""Loading and validating knowledge/: the real files, and broken copies of them."""

import shutil
from pathlib import Path

import pytest
import yaml

from bot.knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge
from bot.knowledge.model import MIN_QUESTIONS

REQUIRED_IDS = {
    "contact_channels", "contact_preparation", "service_hours", "response_time", "aftersales_scope",
    "aftersales_eligibility", "processing_time", "warranty_period", "warranty_coverage", "warranty_exclusions",
    "warranty_proof", "warranty_claim", "extended_warranty", "repair_process", "repair_shipping",
    "parts_replacement", "return_policy", "return_process", "refund_method", "item_not_received", "wrong_item",
    "payment_failed", "tech_support", "change_account_info", "complaint_process",
}


def test_the_shipped_knowledge_base_is_valid_and_complete():
    knowledge = load_knowledge(KNOWLEDGE_DIR)
    assert REQUIRED_IDS <= set(knowledge.by_id)
    for entry in knowledge.entries:
        assert len(entry.questions) >= MIN_QUESTIONS
        assert "您" in entry.answer, f"{entry.id}: answers address the customer politely (您)"
    assert {p.sku for p in knowledge.products} >= {"TL-WR886N", "TL-XDR5430"}


def test_answers_follow_company_policy():
    entries = load_knowledge(KNOWLEDGE_DIR).by_id
    assert "2 年" in entries["warranty_period"].answer and "1–3 年" in entries["warranty_period"].answer
    assert "9:00–18:00" in entries["service_hours"].answer and "24 小时" in entries["service_hours"].answer
    assert "24 小时" in entries["response_time"].answer and "48 小时" in entries["response_time"].answer
    assert "3–5" in entries["processing_time"].answer and "7–10" in entries["processing_time"].answer
    assert "7–30" in entries["return_policy"].answer
    assert "原路退回" in entries["refund_method"].answer
    for excluded in ("摔落", "进水", "拆机", "温度过高", "强磁场", "易损件", "不可抗力"):
        assert excluded in entries["warranty_exclusions"].answer


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def _edit(path: Path, change) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _problems(directory: Path) -> str:
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(directory)
    return "\n".join(raised.value.problems)


def test_missing_answer_names_file_and_entry(knowledge_copy: Path):
    path = knowledge_copy / "faq/warranty.yml"
    _edit(path, lambda doc: doc["entries"][0].pop("answer"))
    problems = _problems(knowledge_copy)
    assert f"{path}: entry 'warranty_period': missing 'answer'" in problems


def test_duplicate_id_is_rejected(knowledge_copy: Path):
    path = knowledge_copy / "faq/repair.yml"
    _edit(path, lambda doc: doc["entries"][1].update(id="repair_process"))
    problems = _problems(knowledge_copy)
    assert "entry 'repair_process': duplicate id" in problems
    assert str(path) in problems


def test_duplicate_question_across_entries_is_rejected(knowledge_copy: Path):
    path = knowledge_copy / "faq/returns.yml"
    # The same question as warranty_period's, differing only in width and punctuation.
    _edit(path, lambda doc: doc["entries"][0]["questions"].append("保修期多久？"))
    [problem] = [p for p in _problems(knowledge_copy).splitlines() if "is also a question of" in p]
    assert "'return_policy'" in problem and "'warranty_period'" in problem and "保修期多久" in problem


def test_too_few_questions_and_bad_follow_up(knowledge_copy: Path):
    path = knowledge_copy / "faq/orders.yml"

    def change(doc):
        doc["entries"][0]["questions"] = doc["entries"][0]["questions"][:3]
        doc["entries"][1]["follow_up"] = ["no_such_entry"]

    _edit(path, change)
    problems = _problems(knowledge_copy)
    assert "entry 'item_not_received': has 3 questions" in problems
    assert "entry 'payment_failed': follow_up 'no_such_entry' is not an entry id" in problems


def test_invalid_yaml_is_reported_not_raised(knowledge_copy: Path):
    path = knowledge_copy / "faq/complaint.yml"
    path.write_text("category: 投诉\nentries: [unclosed\n", encoding="utf-8")
    assert f"{path}: not valid YAML" in _problems(knowledge_copy)


def test_every_problem_is_reported_at_once(knowledge_copy: Path):
    _edit(knowledge_copy / "faq/warranty.yml", lambda doc: doc["entries"][0].pop("answer"))
    _edit(knowledge_copy / "faq/repair.yml", lambda doc: doc["entries"][0].pop("title"))
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(knowledge_copy)
    assert len(raised.value.problems) == 2


def test_product_alias_naming_two_products_is_rejected(knowledge_copy: Path):
    path = knowledge_copy / "products.yml"
    _edit(path, lambda doc: doc["products"][1]["aliases"].append("886n"))
    assert "alias '886n' also names 'TL-WR886N'" in _problems(knowledge_copy)
