"""The load generator and the bench report: real turns against the test server, figures from known latencies."""

import asyncio

from tests.conftest import RasaServer
from tools.benchmark.__main__ import Results, conversations_at, report
from tools.benchmark.conversations import FAQ, STOCK, TRANSACTIONAL, Turn, stock_conversation, tp_conversation
from tools.benchmark.load import LoadRun, TurnResult, run_load


def _run(kind: str, latencies_ms, errors: int = 0) -> LoadRun:
    results = [TurnResult("s", i, Turn("x", kind), "u", ms / 1000, [{"text": "ok"}]) for i, ms in enumerate(latencies_ms)]
    for result in results[:errors]:
        result.error = "HTTP 500"
    return LoadRun(1, 10.0, results)


def test_conversations_mix_faq_and_transactional_turns():
    kinds = [turn.kind for turn in tp_conversation(0)]
    assert len(kinds) == 10 and kinds.count(FAQ) == 6 and kinds.count(TRANSACTIONAL) == 4
    assert {turn.kind for turn in stock_conversation(1)} == {STOCK} and len(stock_conversation(1)) == 10
    assert conversations_at(1, 1.0) == 5 and conversations_at(50, 1.0) == 100


def test_summary_percentiles_by_kind_and_errors():
    run = LoadRun(1, 4.0, _run(FAQ, [10, 20, 30, 40]).results + _run(TRANSACTIONAL, [100, 200], errors=1).results)
    faq = run.summary(FAQ)
    assert (faq.turns, faq.errors, faq.p50_ms) == (4, 0, 25)
    assert run.summary(TRANSACTIONAL).p50_ms == 200  # the failed turn's latency is not counted
    assert run.summary().turns_per_second == 1.5 and len(run.errors) == 1


def test_report_judges_each_goal():
    ours = LoadRun(10, 10.0, _run(FAQ, [60] * 10).results + _run(TRANSACTIONAL, [100] * 10).results)
    stock = _run(STOCK, [50] * 20)
    results = Results({10: ours}, {10: stock}, ours, stock, {"our Rasa server": 1200.0, "our action server": 100.0},
                      200.0, (1.0, 3.0))
    text = report(results)
    assert "met: 10 concurrent: FAQ-turn p50 1.20x" in text
    assert "met: p99 100 ms at 10 concurrent" in text
    assert "met: 10 concurrent: transactional-turn p50 1.67x" in text
    assert "met: 0 errors of ours" in text and "met: training 200 s" in text
    slow = Results({10: ours}, {10: _run(STOCK, [40] * 20)}, ours, stock, {"our Rasa server": 1600.0}, 400.0, (1, 3))
    text = report(slow)
    assert "MISSED: 10 concurrent: FAQ-turn p50 1.50x" in text and "MISSED: training 400 s" in text
    assert "MISSED: peak RSS 1600 MB" in text


def test_real_conversations_against_the_server(rasa_server: RasaServer):
    run = asyncio.run(run_load([rasa_server.url], tp_conversation, 2, 2, prefix="bench-test"))
    assert run.errors == [] and len(run.results) == 20
    assert all(result.replies for result in run.results)
    assert {result.sender for result in run.results} == {r.sender for r in run.results if r.index == 0}
