"""bot.knowledge.facts: return windows and warranty lengths in answers come from, or agree with, the catalogue."""

from pathlib import Path

import pytest
import yaml

from bot.knowledge import KNOWLEDGE_DIR, KnowledgeError, load_knowledge
from bot.knowledge.facts import check, product_answers, render
from bot.knowledge.model import Product


def _product(sku: str, category: str, months: int, days: int) -> Product:
    return Product(sku=sku, name=sku, category=category, warranty_months=months, return_days=days, aliases=())


CATALOGUE = [
    _product("TL-A", "router", 24, 7), _product("TL-B", "router", 36, 15),
    _product("TL-C", "switch", 36, 30), _product("TL-D", "adapter", 12, 7),
]


def _problems(answer: str) -> list:
    problems: list = []
    check(render(answer, CATALOGUE, "faq: entry 'x'", problems), CATALOGUE, "faq: entry 'x'", problems)
    return problems


def test_placeholders_are_filled_from_the_catalogue():
    problems: list = []
    text = render("退换期限 {return_days}；路由器 {return_days:router}；交换机保修 {warranty:switch}，"
                  "网卡 {warranty:adapter}，一般 {warranty}。", CATALOGUE, "x", problems)
    assert text == "退换期限 7–30 天；路由器 7 或 15 天；交换机保修 3 年，网卡 1 年，一般 1–3 年。"
    assert problems == []


def test_an_unknown_category_is_named():
    problems: list = []
    render("{return_days:fridge}", CATALOGUE, "faq: entry 'x'", problems)
    assert "fridge" in problems[0] and "router" in problems[0]


@pytest.mark.parametrize("answer", [
    "路由器签收后 7 天内可以退货。",
    "签收后 7–30 天内可以退换货（路由器一般为 7 或 15 天，交换机 30 天）。",
    "交换机的保修期为 3 年。",
    "标准保修期一般为 2 年，不同品类为 1–3 年。",
    "物流超过 3 天未更新请转人工，我们为您补发或退款。",  # not a return window
    "延保可以再延长保修 12 个月。",  # an extension, not the catalogue's length
])
def test_figures_that_agree_pass(answer: str):
    assert _problems(answer) == []


@pytest.mark.parametrize("answer, stated", [
    ("路由器签收后 30 天内可以退货。", "30 天"),
    ("所有产品都支持 45 天无理由退换。", "45 天"),
    ("交换机的保修期为 2 年。", "2 年"),
    ("产品质保 5 年。", "5 年"),
])
def test_a_contradiction_names_entry_sentence_and_catalogue(answer: str, stated: str):
    problems = _problems(answer)
    assert len(problems) == 1
    assert "entry 'x'" in problems[0] and stated in problems[0] and answer.rstrip("。") in problems[0]
    assert "knowledge/products.yml" in problems[0]


def test_the_build_fails_on_a_contradicting_answer(tmp_path: Path):
    import shutil

    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    path = target / "faq/returns.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["entries"][0]["answer"] = "您好，路由器签收后 60 天内都可以退货。"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(target)
    assert any("60 天" in problem and "returns.yml" in problem for problem in raised.value.problems)


def test_a_product_answer_for_every_product_and_category_with_each_models_figure_where_they_differ():
    problems: list = []
    answers = dict(product_answers("{product}的保修期为 {warranty}，签收后 {return_days}内可退换。", CATALOGUE,
                                   "faq: entry 'x'", problems))
    assert problems == []
    assert set(answers) == {"TL-A", "TL-B", "TL-C", "TL-D", "router", "switch", "adapter"}
    assert answers["TL-B"] == "TL-B的保修期为 3 年，签收后 15 天内可退换。"
    assert answers["adapter"] == "无线网卡的保修期为 1 年，签收后 7 天内可退换。"
    assert answers["router"].startswith("路由器的保修期为 2 或 3 年（TL-A 为 2 年；TL-B 为 3 年）")


def test_a_product_answer_with_an_unknown_placeholder_or_a_wrong_figure_is_a_problem():
    problems: list = []
    assert product_answers("{product}保修 {years}", CATALOGUE, "faq: entry 'x'", problems) == ()
    assert "{years}" in problems[0] or "years" in problems[0]
    problems = []
    product_answers("{product}的保修期为 {warranty}，交换机保修 5 年。", CATALOGUE, "faq: entry 'x'", problems)
    assert any("5 年" in problem and "for_product" in problem for problem in problems)


def test_the_knowledge_bases_warranty_and_return_entries_answer_per_product():
    knowledge = load_knowledge(KNOWLEDGE_DIR)
    for entry_id in ("warranty_period", "return_policy"):
        answers = dict(knowledge.entry(entry_id).product_answers)
        assert {p.sku for p in knowledge.products} | {p.category for p in knowledge.products} == set(answers)
    assert "30 天" in dict(knowledge.entry("return_policy").product_answers)["TL-SG1008D"]
