"""The SMP2019 scoring (the published table's measures) and the benchmark's pipeline settings."""

from bot.evaluation_smp2019 import benchmark_config, score


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


def test_the_benchmark_uses_the_bots_pipeline_without_its_domain_components():
    names = [component["name"] for component in benchmark_config()["pipeline"]]
    assert names == ["bot.nlu.tokenizer.DomainJiebaTokenizer", "RegexFeaturizer", "CountVectorsFeaturizer",
                     "CountVectorsFeaturizer", "DIETClassifier"]
    diet = benchmark_config()["pipeline"][-1]
    assert diet["entity_recognition"] is True and diet["random_seed"] == 2026
