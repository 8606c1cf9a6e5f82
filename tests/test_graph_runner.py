"""bot.graph_runner: the trained model's graph gives the same parses and predictions without dask."""

from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from rasa.engine import loader
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.graph_runner import SequentialGraphRunner

MESSAGES = ["你好", "保修期多久", "帮我查一下订单", "TP202611050017", "8000", "asdfghjkl", "我要投诉，找你们经理",
            "摄像头夜视坏了想换新", "谢谢"]


@pytest.fixture(scope="module")
def runners(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Tuple[Any, Any, Any]:
    dask_metadata, dask_runner = loader.load_predict_graph_runner(
        tmp_path_factory.mktemp("dask"), trained_model, LocalModelStorage, DaskGraphRunner)
    _, sequential = loader.load_predict_graph_runner(
        tmp_path_factory.mktemp("sequential"), trained_model, LocalModelStorage, SequentialGraphRunner)
    return dask_metadata, dask_runner, sequential


def _parse(runner: Any, target: str, text: str) -> Dict[str, Any]:
    """As MessageProcessor parses a message."""
    tracker = DialogueStateTracker.from_events("graph-runner", [])
    results = runner.run(inputs={"__message__": [_user_message(text)], "__tracker__": tracker}, targets=[target])
    return results[target][0].as_dict(only_output_properties=True)


def _user_message(text: str) -> Any:
    from rasa.core.channels.channel import UserMessage

    return UserMessage(text, sender_id="graph-runner")


def test_parses_are_the_same_as_with_dask(runners: Tuple[Any, Any, Any]) -> None:
    metadata, dask_runner, sequential = runners
    for text in MESSAGES:
        assert _parse(sequential, metadata.nlu_target, text) == _parse(dask_runner, metadata.nlu_target, text), text


def test_predictions_are_the_same_as_with_dask(runners: Tuple[Any, Any, Any]) -> None:
    metadata, dask_runner, sequential = runners
    target = metadata.core_target
    assert target
    for text in MESSAGES:
        parsed = _parse(dask_runner, metadata.nlu_target, text)
        tracker = DialogueStateTracker.from_events("graph-runner", [
            ActionExecuted("action_session_start"), ActionExecuted("action_listen"),
            UserUttered(text, parsed.get("intent"), parsed.get("entities", []))], metadata.domain.slots)
        inputs = {"__tracker__": tracker}
        expected = dask_runner.run(inputs=dict(inputs), targets=[target])[target]
        got = sequential.run(inputs=dict(inputs), targets=[target])[target]
        assert (got.policy_name, got.probabilities, got.max_confidence) == \
            (expected.policy_name, expected.probabilities, expected.max_confidence), text
        assert got.max_confidence > 0


def test_the_order_of_a_target_set_is_computed_once(runners: Tuple[Any, Any, Any]) -> None:
    metadata, _, sequential = runners
    target = metadata.nlu_target
    _parse(sequential, target, "你好")
    order: List[str] = sequential._orders[(target,)]
    _parse(sequential, target, "保修期多久")
    assert sequential._orders[(target,)] is order
    assert order[-1] == target
    assert set(order) == set(sequential._graph_schema.minimal_graph_schema([target]).nodes)


def test_an_input_named_like_a_node_is_refused_as_dask_refuses_it(runners: Tuple[Any, Any, Any]) -> None:
    metadata, _, sequential = runners
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        sequential.run(inputs={"__message__": metadata.nlu_target}, targets=[metadata.nlu_target])
