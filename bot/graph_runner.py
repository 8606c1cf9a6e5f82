"""Runs the trained model's graph in order, in the calling thread: Rasa's `DaskGraphRunner` without dask.

Rasa 3.6 runs the prediction graph (the NLU pipeline for a message, the policies for the next action) through
`dask.get`: on every call it cuts the schema down to the targets, builds a dask task graph, orders it and runs
it synchronously. For a graph of some twenty cheap nodes that bookkeeping was a fifth of the time Rasa spent in
the graph under load (`make bench`, py-spy). This runner computes each target set's order once and calls the same
`GraphNode`s with the same arguments dask would pass (each parent's `(name, output)` pair; an input as
`(name, value)`; the bare name of a parent nobody provides), so nodes, hooks and results are unchanged.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner


class SequentialGraphRunner(DaskGraphRunner):
    """Same nodes and results as `DaskGraphRunner`; each target set's execution order computed once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: Dict[Tuple[Text, ...], List[Text]] = {}

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None
            ) -> Dict[Text, Any]:
        run_targets = list(targets) if targets else self._graph_schema.target_names
        results: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(f"Input value '{value}' clashes with a node name. Make sure that none of the "
                                    "input names passed to the `run` method are the same as node names in the "
                                    "graph schema.")
            results[name] = (name, value)
        nodes = self._graph_schema.nodes
        try:
            for node_name in self._order(tuple(run_targets)):
                if node_name in results:  # an input given in place of the node, as dask lets it replace the task
                    continue
                parents = nodes[node_name].needs.values()
                results[node_name] = self._instantiated_nodes[node_name](*(results.get(p, p) for p in parents))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)

    def _order(self, targets: Tuple[Text, ...]) -> List[Text]:
        """The targets' nodes and everything they need, each after what it needs (depth-first, once)."""
        order = self._orders.get(targets)
        if order is None:
            order = []
            seen: set = set()
            nodes = self._graph_schema.nodes

            def visit(name: Text) -> None:
                if name in seen or name not in nodes:
                    return
                seen.add(name)
                for parent in nodes[name].needs.values():
                    visit(parent)
                order.append(name)

            for target in targets:
                visit(target)
            self._orders[targets] = order
        return order
