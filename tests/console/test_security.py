"""The console's defences on a real Rasa server: security headers on every response, no CORS for any other origin
(even with Rasa started with `--cors "*"`, as the start scripts used to), log-in throttling, the settings."""

import itertools
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Dict, Iterator, Optional

import httpx
import pytest
from sqlalchemy import select

import tests.conftest as shared
from bot.console.security import CONTENT_SECURITY_POLICY
from bot.handoff.agents import create_agent
from bot.knowledge import PROJECT_ROOT
from bot.store.db import get_engine, transaction
from bot.store.models import FailedAttempt
from tests.conftest import RasaServer, free_port, seed_database, start_rasa
from tests.console.conftest import PASSWORD

EVIL = "http://evil.example"
ADDRESSES = (f"127.0.0.{n}" for n in itertools.count(10))  # each client its own loopback address
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


class CorsServer(RasaServer):
    log: Path


@pytest.fixture(scope="module")
def cors_server(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CorsServer]:
    """A Rasa server started with `--cors "*"` as scripts/run.sh did, with CONSOLE_COOKIE_SECURE=true, Sanic
    trusting X-Real-IP as behind the nginx of deploy/, and a business database of its own (its failed log-ins lock
    nobody out of the shared server)."""
    directory = tmp_path_factory.mktemp("cors-server")
    database = f"sqlite:///{directory / 'tp.db'}"
    seed_database(database)
    server = CorsServer(f"http://127.0.0.1:{free_port()}", secrets.token_hex(16), directory / "tracker.db", database)
    server.log = directory / "rasa.log"
    real_server = shared.Server

    def with_cors(name, command, env, log):  # start_rasa's command, plus Rasa's --cors "*"
        return real_server(name, [*command, "--cors", "*"], env, log)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shared, "Server", with_cors)
        process = start_rasa(server, trained_model, "http://127.0.0.1:9/webhook", server.log,
                             CONSOLE_COOKIE_SECURE="true", SANIC_REAL_IP_HEADER="X-Real-IP")
    yield server
    process.stop()


def new_agent(server: RasaServer, username: Optional[str] = None) -> str:
    username = username or f"agent-{secrets.token_hex(4)}"
    with transaction(get_engine(server.database)) as session:
        create_agent(session, username, f"客服{username[-4:]}", PASSWORD)
    return username


class Browser:
    """An agent's browser at a loopback address of its own. The session cookie is Secure (CONSOLE_COOKIE_SECURE),
    which httpx keeps for https only, so it is sent here by hand."""

    def __init__(self, server: RasaServer, address: Optional[str] = None) -> None:
        self.address = address or next(ADDRESSES)
        self.http = httpx.Client(base_url=f"{server.url}/console", timeout=30,
                                 transport=httpx.HTTPTransport(local_address=self.address))
        self.token: Optional[str] = None

    def login(self, username: str, password: str = PASSWORD, **headers: str) -> httpx.Response:
        reply = self.http.post("/api/login", json={"username": username, "password": password}, headers=headers)
        if reply.status_code == 200:
            self.token = re.search(r"tp_console=([^;]+)", reply.headers["set-cookie"]).group(1)
        return reply

    def request(self, method: str, path: str, headers: Optional[Dict[str, str]] = None, **kwargs) -> httpx.Response:
        cookie = {"Cookie": f"tp_console={self.token}"} if self.token else {}
        return self.http.request(method, path, headers={**cookie, **(headers or {})}, **kwargs)


def logged_in(server: RasaServer) -> Browser:
    browser = Browser(server)
    assert browser.login(new_agent(server)).status_code == 200
    return browser


def cors_headers(reply: httpx.Response) -> Dict[str, str]:
    return {name: value for name, value in reply.headers.items() if name.lower().startswith("access-control-")}


def test_every_console_response_carries_the_security_headers(cors_server: CorsServer):
    browser, stranger = logged_in(cors_server), Browser(cors_server)
    replies = {
        "page": browser.request("GET", "/"),
        "redirect": stranger.request("GET", "/"),
        "log-in page": stranger.request("GET", "/login"),
        "script": stranger.request("GET", "/static/console.js"),
        "log-in script": stranger.request("GET", "/static/login.js"),
        "style sheet": stranger.request("GET", "/static/console.css"),
        "api": browser.request("GET", "/api/queue"),
        "api 401": stranger.request("GET", "/api/queue"),
        "failed log-in": stranger.http.post("/api/login", json={"username": "nobody", "password": "x"}),
        "not found": stranger.request("GET", "/no/such/page"),
        "wrong method": browser.request("DELETE", "/api/queue"),
        "preflight": stranger.request("OPTIONS", "/api/queue",
                                      {"Origin": EVIL, "Access-Control-Request-Method": "GET"}),
    }
    statuses = {name: reply.status_code for name, reply in replies.items()}
    assert statuses == {"page": 200, "redirect": 302, "log-in page": 200, "script": 200, "log-in script": 200,
                        "style sheet": 200, "api": 200, "api 401": 401, "failed log-in": 401, "not found": 404,
                        "wrong method": 405, "preflight": 403}
    for name, reply in replies.items():
        assert {header: reply.headers.get(header) for header in SECURITY_HEADERS} == SECURITY_HEADERS, name
        assert reply.headers.get("cache-control") == "no-store", name


def test_the_policy_is_strict_and_the_pages_need_nothing_it_forbids(cors_server: CorsServer):
    policy = dict(directive.strip().split(" ", 1) for directive in CONTENT_SECURITY_POLICY.split(";"))
    assert policy == {"default-src": "'self'", "object-src": "'none'", "base-uri": "'none'",
                      "form-action": "'self'", "frame-ancestors": "'none'"}
    browser = logged_in(cors_server)
    for page in (browser.request("GET", "/").text, browser.request("GET", "/login").text):
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", page) == []  # no inline script
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=|javascript:", page, re.IGNORECASE)
        for url in re.findall(r'(?:src|href)="([^"]+)"', page):
            assert url.startswith("/console/static/"), url  # own origin only
    script = browser.request("GET", "/static/console.js").text + browser.request("GET", "/static/login.js").text
    assert not re.search(r"\beval\(|new Function|innerHTML|setAttribute\(\"style|https?://", script)


def test_the_console_answers_no_other_origin_even_when_rasa_allows_every_origin(cors_server: CorsServer):
    # The server really runs with --cors "*": Rasa's own routes reflect any origin, with credentials.
    root = httpx.get(f"{cors_server.url}/", headers={"Origin": EVIL}, timeout=30)
    assert root.headers.get("access-control-allow-origin") == EVIL
    assert root.headers.get("access-control-allow-credentials") == "true"

    browser = logged_in(cors_server)
    queue = browser.request("GET", "/api/queue", {"Origin": EVIL})
    assert queue.status_code == 200 and "waiting" in queue.json()
    assert cors_headers(queue) == {}
    reply = browser.request("POST", "/api/tickets/999999/reply", {"Origin": EVIL}, json={"text": "您好"})
    assert reply.status_code == 409 and cors_headers(reply) == {}
    refused = Browser(cors_server).request("GET", "/api/me", {"Origin": EVIL})
    assert refused.status_code == 401 and cors_headers(refused) == {}

    for path in ("/api/queue", "/api/tickets/1/reply", "/api/login", "/"):
        preflight = browser.request("OPTIONS", path, {"Origin": EVIL, "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 403 and cors_headers(preflight) == {}, path


def test_api_calls_another_site_makes_the_browser_send_are_refused(cors_server: CorsServer):
    browser = logged_in(cors_server)
    assert browser.request("GET", "/api/queue", {"Sec-Fetch-Site": "same-origin"}).status_code == 200
    for site in ("same-site", "cross-site"):  # same-site: another port of the same host
        assert browser.request("GET", "/api/queue", {"Sec-Fetch-Site": site}).status_code == 403
        assert browser.request("POST", "/api/tickets/1/claim", {"Sec-Fetch-Site": site}, json={}).status_code == 403
    # A link from elsewhere still opens the log-in page.
    assert browser.request("GET", "/login", {"Sec-Fetch-Site": "cross-site"}).status_code == 200


def test_the_start_scripts_leave_rasas_cors_off():
    for path in ("scripts/run.sh", "scripts/run-scaled.sh", "deploy/Dockerfile", "deploy/KUBERNETES.md"):
        assert "--cors" not in (PROJECT_ROOT / path).read_text(), path


def test_the_cookie_follows_console_cookie_secure_read_from_the_settings(cors_server: CorsServer):
    # CONSOLE_COOKIE_SECURE=true (the server's setting): a boolean setting, not only "1".
    reply = Browser(cors_server).login(new_agent(cors_server))
    assert reply.status_code == 200 and "secure" in reply.headers["set-cookie"].lower()


def test_the_console_reads_the_environment_only_through_the_settings():
    sources = [*(PROJECT_ROOT / "bot/console").glob("*.py"), PROJECT_ROOT / "bot/handoff/sessions.py",
               PROJECT_ROOT / "bot/handoff/__main__.py"]
    for path in sources:
        assert not re.search(r"os\.environ|getenv|import os\b", path.read_text()), path


def locked(reply: httpx.Response, minutes: int) -> bool:
    return (reply.status_code == 429 and reply.json()["error"] == f"登录失败次数过多，请 {minutes} 分钟后再试"
            and (minutes - 1) * 60 < int(reply.headers["retry-after"]) <= minutes * 60
            and "set-cookie" not in reply.headers)


def test_five_wrong_passwords_lock_the_username_even_for_the_right_password(cors_server: CorsServer):
    username, browser = new_agent(cors_server), Browser(cors_server)
    for _ in range(5):
        assert browser.login(username, "wrong password").status_code == 401
    assert locked(browser.login(username), 1)
    assert locked(Browser(cors_server).login(username), 1)  # from another address too: the username is locked
    log = cors_server.log.read_text()
    assert len(re.findall(rf"failed log-in for '{username}' from {re.escape(browser.address)}\b", log)) == 5
    assert re.search(rf"log-in for '{username}' from {re.escape(browser.address)} refused for \d+ s", log)


def test_parallel_guesses_get_no_more_tries_than_the_limit(cors_server: CorsServer):
    username, browsers = new_agent(cors_server), [Browser(cors_server) for _ in range(12)]
    with ThreadPoolExecutor(len(browsers)) as pool:
        codes = list(pool.map(lambda browser: browser.login(username, "wrong password").status_code, browsers))
    assert sorted(codes) == [401] * 5 + [429] * 7


def test_an_address_guessing_several_usernames_is_locked(cors_server: CorsServer):
    guesser = Browser(cors_server)
    for _ in range(5):  # one wrong password for each of five accounts: no username reaches the limit
        assert guesser.login(new_agent(cors_server), "wrong password").status_code == 401
    another = new_agent(cors_server)
    assert locked(guesser.login(another), 1)
    assert Browser(cors_server).login(another).status_code == 200  # the same account from elsewhere


def test_behind_a_proxy_the_address_it_vouches_for_is_counted(cors_server: CorsServer):
    proxy, guesser, colleague = Browser(cors_server), {"X-Real-IP": "198.51.100.1"}, {"X-Real-IP": "198.51.100.2"}
    for _ in range(5):
        assert proxy.login(new_agent(cors_server), "wrong password", **guesser).status_code == 401
    username = new_agent(cors_server)
    assert locked(proxy.login(username, **guesser), 1)
    assert proxy.login(username, **colleague).status_code == 200  # another client behind the same proxy
    assert re.search(r"log-in for '[^']+' from 198\.51\.100\.1 refused", cors_server.log.read_text())


def test_a_successful_log_in_clears_the_usernames_failures(cors_server: CorsServer):
    username, first, second = new_agent(cors_server), Browser(cors_server), Browser(cors_server)
    for _ in range(4):
        assert first.login(username, "wrong password").status_code == 401
    assert first.login(username).status_code == 200
    for _ in range(5):  # not refused: 9 failures for the username in 15 minutes, but fewer than 5 since the log-in
        assert second.login(username, "wrong password").status_code == 401
    assert locked(Browser(cors_server).login(username), 1)  # the fifth since the log-in locks it (a fresh address)


def age_failures(server: RasaServer, by: timedelta, *keys: str) -> None:
    """As if the failed log-ins of these usernames and addresses had happened `by` earlier."""
    with transaction(get_engine(server.database)) as session:
        for failure in session.execute(select(FailedAttempt).where(FailedAttempt.key.in_(keys))).scalars():
            failure.created_at -= by


def test_each_further_failure_doubles_the_lock(cors_server: CorsServer):
    username, browser = new_agent(cors_server), Browser(cors_server)
    for _ in range(5):
        assert browser.login(username, "wrong password").status_code == 401
    assert locked(browser.login(username), 1)
    for minutes in (2, 4, 8):
        age_failures(cors_server, timedelta(minutes=minutes // 2, seconds=1), username, browser.address)  # it ended
        assert browser.login(username, "wrong password").status_code == 401
        assert locked(browser.login(username), minutes)
