"""The SMP2019 scoring (the published table's measures) and the benchmark's pipeline settings."""

import yaml

from tools.evaluation_smp2019 import SLOT_EXTRACTOR, benchmark_config, score


def test_scores_match_the_published_measures():
    gold = [("给张三打电话", "DIAL", {("name", "张三")}),
            ("播放周杰伦的歌", "PLAY", {("artist", "周杰伦")}),
            ("明天天气", "QUERY", {("datetime_date", "明天")}),
            ("讲个笑话", "DEFAULT", set())]
    predicted = [("DIAL", {("name", "张三")}),                       # all right
                 ("PLAY", {("artist", "周杰")}),                      # intent right, slot wrong
                 ("QUERY", {("datetime_date", "明天"), ("x", "y")}),  # one extra slot
                 ("QUERY", set())]                                   # intent wrong
    scores = score(gold, predicted)
    assert scores.intent_accuracy == 0.75 and scores.sentence_accuracy == 0.25
    assert (scores.slot_precision, scores.slot_recall) == (0.5, 2 / 3)
    assert round(scores.slot_f1, 4) == round(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3), 4)


def test_the_benchmark_uses_the_bots_pipeline_without_its_domain_components_and_learns_slots_after_the_intent():
    pipeline = benchmark_config()["pipeline"]
    assert [component["name"] for component in pipeline] == [
        "bot.nlu.tokenizer.DomainJiebaTokenizer", "RegexFeaturizer", "CountVectorsFeaturizer",
        "CountVectorsFeaturizer", "bot.nlu.linear_intent.LinearIntentClassifier", SLOT_EXTRACTOR]
    assert pipeline[-2] == {"name": "bot.nlu.linear_intent.LinearIntentClassifier", "C": 30}


def test_a_candidate_that_learns_entities_itself_gets_no_second_extractor(tmp_path):
    candidate = tmp_path / "candidate.yml"
    candidate.write_text(yaml.safe_dump({"language": "zh", "pipeline": [
        {"name": "JiebaTokenizer"}, {"name": "CountVectorsFeaturizer"}, {"name": "DIETClassifier"}]}))
    assert [component["name"] for component in benchmark_config(candidate)["pipeline"]] == [
        "JiebaTokenizer", "CountVectorsFeaturizer", "DIETClassifier"]
