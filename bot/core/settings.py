"""Every environment variable of the assistant, read and validated once, in one place.

`settings()` is the process's settings object (pydantic `BaseSettings`); a bad value stops the server at start
with a message naming the variable. `python -m bot.core.settings` prints the README's configuration table, or
(`shell`) the variables as shell exports with their defaults, for the start scripts and `endpoints.yml`.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

from pydantic import BaseSettings, Field, ValidationError, validator

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(ValueError):
    """A variable has a value the assistant cannot use; the message names it."""


def _field(default: Any, description: str, **constraints: Any) -> Any:
    return Field(default, description=description, **constraints)


class Settings(BaseSettings):
    """Each field is the environment variable of the same name in upper case."""

    # Servers
    rasa_port: int = _field(5005, "Rasa server port (REST webhook, widget, console)", gt=0, lt=65536)
    action_port: int = _field(5055, "action server port", gt=0, lt=65536)
    action_server_url: str = _field("", "where Rasa calls the actions (`endpoints.yml`); empty: "
                                        "`http://127.0.0.1:$ACTION_PORT/webhook`")
    tracker_store_url: str = _field("sqlite:///var/tracker.db", "where Rasa keeps every conversation "
                                                                "(`endpoints.yml`; PostgreSQL for replicas)")
    redis_url: str = _field("", "Redis for replicas: conversation locks, the widget's Socket.IO messages, the "
                                "WeChat access token")
    rasa_auth_token: str = _field("", "when set, `make run` enables Rasa's HTTP API behind this token")
    sanic_keep_alive_timeout: int = _field(75, "seconds Rasa and the action server keep idle connections (must "
                                               "exceed their clients': see Performance)", gt=0)
    rasa_telemetry_enabled: bool = _field(False, "Rasa's usage telemetry")
    tp_dev_mode: bool = _field(False, "development mode: the REST channel answers loopback clients without its "
                                      "token (`make run` sets it when `REST_CHANNEL_TOKEN` is empty)")

    # Records
    database_url: str = _field("", "the company's records (any SQLAlchemy URL); empty: `sqlite:///var/tp.db`")
    database_timeout_seconds: float = _field(5.0, "connect/statement timeout before the customer gets an apology",
                                             gt=0)

    # Customers' messages and identity
    tp_max_message_length: int = _field(2000, "longest customer message on every channel (characters); longer "
                                              "text is cut, with a note to the customer", ge=100)
    tp_conversation_queue: int = _field(10, "messages of one conversation waiting for the bot at once; more are "
                                            "asked to slow down", ge=1)
    tp_verification_attempts: int = _field(3, "failed identity checks in one conversation (surviving `/restart` "
                                              "and new sessions) before its look-ups are locked", ge=1)
    tp_verification_record_attempts: int = _field(10, "failed identity checks against one customer's records, "
                                                      "from any conversations, before they are locked", ge=1)
    tp_verification_window_hours: float = _field(24.0, "how long failed identity checks count (and a lock lasts)",
                                                 gt=0)
    tp_verified_phone_hours: float = _field(24.0, "how long a verified phone stays verified in its conversation",
                                            gt=0)

    # Hand-off and console
    handoff_hours: str = _field("09:00-18:00", "when agents work (Beijing time)")
    handoff_days: str = _field("1-5", "days agents work (ISO weekdays: 1 = Monday)")
    handoff_keywords: str = _field("12315,律师,起诉,媒体曝光,消协", "words that send a conversation to a person at "
                                                                 "once (comma-separated)")
    handoff_minutes_per_ticket: float = _field(5.0, "for the expected wait told to a queued customer", gt=0)
    handoff_presence_seconds: float = _field(90.0, "an agent whose console was connected this recently counts as "
                                                   "online", gt=0)
    handoff_agent_idle_minutes: float = _field(10.0, "an assigned conversation without an agent reply this long "
                                                     "goes back to the queue", gt=0)
    handoff_idle_check_seconds: float = _field(60.0, "how often idle agents' conversations are looked for", gt=0)
    handoff_max_conversations: int = _field(5, "conversations one agent serves at once (a claim or transfer beyond "
                                               "is refused; `add-agent --max-conversations` sets one agent's)", ge=1)
    handoff_supervisors: str = _field("", "usernames (comma-separated) who may close or transfer other agents' "
                                          "conversations")
    console_knowledge_users: str = _field("", "usernames (comma-separated) of the knowledge team: they work the "
                                              "unanswered questions (supervisors may too)")
    console_session_hours: float = _field(12.0, "console log-in lifetime", gt=0)
    console_demo_agent: bool = _field(True, "`make run` creates the demo agent `demo`")
    console_demo_password: str = _field("tp-demo-2026", "the demo agent's password")
    console_cookie_secure: bool = _field(False, "the session cookie is HTTPS-only even when TLS ends at a proxy")
    console_login_attempts: int = _field(5, "failed console log-ins per username and per address before log-in "
                                            "is refused for a while (the wait doubles with each further failure)",
                                         ge=1)

    # Channels
    rest_channel_token: str = _field("", "bearer token the REST channel requires (webhook and outbox); without "
                                         "it the channel answers only in development mode")
    telegram_token: str = _field("", "the Telegram channel's bot token (empty: off)")
    telegram_secret_token: str = _field("", "secret Telegram sends back in each webhook call (empty: off)")
    telegram_api_url: str = _field("https://api.telegram.org", "Telegram's Bot API server")
    wechat_token: str = _field("", "the WeChat official account's token (empty: off)")
    wechat_app_id: str = _field("", "the WeChat official account's AppID (empty: off)")
    wechat_app_secret: str = _field("", "the WeChat official account's AppSecret (empty: off)")
    wechat_aes_key: str = _field("", "EncodingAESKey for WeChat's safe mode")
    wechat_api_url: str = _field("https://api.weixin.qq.com/cgi-bin/", "WeChat's API (customer-service messages, "
                                                                       "tokens)")
    wechat_reply_budget: float = _field(4.0, "seconds to wait for a passive WeChat reply before answering "
                                             "`success` and pushing", gt=0, lt=5)
    widget_allowed_origins: str = _field("*", "sites (comma-separated origins) allowed to connect to the widget "
                                              "and to call the REST channel from a browser")
    widget_identity_secret: str = _field("", "shared secret for signed customer identities from the embedding "
                                             "site")
    widget_session_secret: str = _field("", "key that signs the widget's conversation tokens; empty: generated "
                                            "on first start and kept in the database")
    widget_session_days: float = _field(30.0, "how long a widget conversation token stays valid", gt=0)

    # Pictures customers and agents send (bot.media)
    media_dir: str = _field("var/media", "where pictures are kept when no S3 bucket is set")
    media_max_bytes: int = _field(5_000_000, "largest picture a customer or agent may send (bytes)", ge=10_000,
                                  le=20_000_000)
    media_per_hour: int = _field(30, "pictures one conversation may send in an hour", ge=1)
    media_per_address_per_hour: int = _field(60, "pictures one address may upload from the widget in an hour (per "
                                                 "server: a client opening many conversations)", ge=1)
    media_s3_bucket: str = _field("", "an S3-compatible bucket for pictures instead of `MEDIA_DIR` (credentials: "
                                      "the usual `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`)")
    media_s3_endpoint: str = _field("", "the S3-compatible service's URL (MinIO, COS, OSS…); empty: AWS")
    media_s3_region: str = _field("", "the bucket's region, if the service needs one")

    class Config:
        case_sensitive = False
        env_file = None

    @validator("handoff_hours", "handoff_days")
    def _hours_parse(cls, value: str, values: Dict[str, Any], field: Any) -> str:  # noqa: N805 - pydantic
        from bot.core.hours import WorkingHours  # the one parser of the format

        if field.name == "handoff_days":
            WorkingHours.parse(values.get("handoff_hours", "09:00-18:00"), value)
        else:
            WorkingHours.parse(value, "1-5")
        return value

    # Derived values, so that no caller splits or defaults a raw string itself.

    @property
    def action_server(self) -> str:
        return self.action_server_url or f"http://127.0.0.1:{self.action_port}/webhook"

    @property
    def records_url(self) -> str:
        return self.database_url or f"sqlite:///{PROJECT_ROOT / 'var' / 'tp.db'}"

    @property
    def supervisors(self) -> Set[str]:
        return {name.strip() for name in self.handoff_supervisors.split(",") if name.strip()}

    @property
    def knowledge_users(self) -> Set[str]:
        """Who may work the unanswered questions: the knowledge team and the supervisors."""
        return {name.strip() for name in self.console_knowledge_users.split(",") if name.strip()} | self.supervisors

    @property
    def transfer_keywords(self) -> List[str]:
        return [word.strip() for word in self.handoff_keywords.split(",") if word.strip()]

    @property
    def widget_origins(self) -> List[str]:
        """["*"] or the configured origins."""
        origins = [origin.strip().rstrip("/") for origin in self.widget_allowed_origins.split(",") if origin.strip()]
        return origins or ["*"]


class _Given(Settings):
    """Settings from given values only, the process's environment ignored (`load_settings(environ)`)."""

    class Config:
        @classmethod
        def customise_sources(cls, init_settings: Any, env_settings: Any, file_secret_settings: Any) -> Any:
            return (init_settings,)


def load_settings(environ: Optional[Dict[str, str]] = None) -> Settings:
    """Settings from the environment (or only from `environ`); SettingsError naming each bad variable."""
    try:
        return _Given(**_from(environ)) if environ is not None else Settings()
    except ValidationError as error:
        problems = [f"{'.'.join(str(part) for part in item['loc']).upper()}: {item['msg']}"
                    for item in error.errors()]
        raise SettingsError("bad configuration: " + "; ".join(problems)) from None


def _from(environ: Dict[str, str]) -> Dict[str, Any]:
    names = {name.upper(): name for name in Settings.__fields__}
    return {names[key.upper()]: value for key, value in environ.items() if key.upper() in names}


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings, read once. Tests that change the environment call `settings.cache_clear()`."""
    return load_settings()


def markdown_table() -> str:
    """The README's configuration table."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.__fields__.items():
        default = field.default
        shown = "unset" if default in ("", None) else f"`{str(default).lower() if isinstance(default, bool) else default}`"
        lines.append(f"| `{name.upper()}` | {shown} | {field.field_info.description} |")
    return "\n".join(lines)


def shell_exports(values: Settings) -> str:
    """`export NAME=value` for every variable (defaults filled in), quoted for bash."""
    import shlex

    lines = []
    for name in Settings.__fields__:
        value = getattr(values, name)
        if name == "action_server_url":
            value = values.action_server
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        lines.append(f"export {name.upper()}={shlex.quote(text)}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    command = (argv if argv is not None else sys.argv[1:]) or ["table"]
    if command[0] == "table":
        print(markdown_table())
        return 0
    if command[0] in ("shell", "check"):
        try:
            values = load_settings()
        except SettingsError as error:
            print(f"settings: {error}", file=sys.stderr)
            return 2
        if command[0] == "shell":
            print(shell_exports(values))
        return 0
    print("usage: python -m bot.core.settings [table|shell|check]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
