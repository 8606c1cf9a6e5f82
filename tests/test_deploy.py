"""deploy/docker-compose.yml runs what `make run-scaled` runs (no Docker engine here: checked as configuration)."""

from typing import Any, Dict

import pytest
import yaml

from bot.knowledge import PROJECT_ROOT
from tools.benchmark.servers import config_variables, variables_in

DEPLOY = PROJECT_ROOT / "deploy"


@pytest.fixture(scope="module")
def compose() -> Dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def test_the_services_of_the_scale_out(compose):
    assert {"postgres", "redis", "setup", "action-server", "rasa-1", "rasa-2", "nginx"} <= set(compose["services"])


def test_every_variable_rasa_reads_is_set_for_the_replicas(compose):
    needed = config_variables()
    for name in ("rasa-1", "rasa-2", "action-server"):
        environment = compose["services"][name]["environment"]
        assert needed <= set(environment), (name, needed - set(environment))
        assert environment["TRACKER_STORE_URL"].startswith("postgresql://")
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert environment["REDIS_URL"].startswith("redis://redis:")


def test_nginx_uses_the_template_of_run_scaled(compose):
    nginx = compose["services"]["nginx"]
    assert "./nginx/tp.conf.template:/etc/nginx/templates/tp.conf.template:ro" in nginx["volumes"]
    template = DEPLOY / "nginx" / "tp.conf.template"
    assert variables_in(template) == set(nginx["environment"])
    assert nginx["environment"]["RASA_1"] == "rasa-1:5005" and nginx["environment"]["RASA_2"] == "rasa-2:5005"
    assert "deploy/nginx/tp.conf.template" in (PROJECT_ROOT / "scripts" / "run-scaled.sh").read_text()


def test_the_replicas_start_after_the_tables_exist(compose):
    setup = " ".join(compose["services"]["setup"]["command"])
    assert "bot.store init" in setup and "bot.store.conversations" in setup
    assert compose["services"]["rasa-1"]["depends_on"]["setup"] == {"condition": "service_completed_successfully"}
    assert "bot.store.conversations" in (PROJECT_ROOT / "scripts" / "run-scaled.sh").read_text()
