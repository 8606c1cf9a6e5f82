"""A local stand-in for Telegram's Bot API: answers the methods the channel uses and records every call."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Dict, List, Tuple
from urllib.parse import parse_qsl, unquote

from tests.channels.fake_api import JsonHandler, multipart_fields, serve

TOKEN = "123456:TEST-token"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "TP客服", "username": "tp_test_bot"}


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: List[Tuple[str, Dict[str, Any]]] = []
        self.updates: List[Dict[str, Any]] = []
        self.files: Dict[str, bytes] = {}  # file_id → bytes, for getFile and the file download
        self._lock = threading.Lock()
        self._server = serve(self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()

    def sent_to(self, chat_id: int) -> List[Dict[str, Any]]:
        """sendMessage calls to a chat, with reply_markup decoded."""
        with self._lock:
            calls = [params for method, params in self.calls if method == "sendMessage"
                     and str(params.get("chat_id")) == str(chat_id)]
        for params in calls:
            if isinstance(params.get("reply_markup"), str):
                params["reply_markup"] = json.loads(params["reply_markup"])
        return calls

    def calls_of(self, method: str) -> List[Dict[str, Any]]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def _result(self, method: str, params: Dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "sendMessage":
            return {"message_id": len(self.calls), "date": int(time.time()), "text": params.get("text", ""),
                    "chat": {"id": int(params["chat_id"]), "type": "private"}, "from": BOT_USER}
        if method == "getFile":
            data = self.files[params["file_id"]]
            return {"file_id": params["file_id"], "file_unique_id": params["file_id"], "file_size": len(data),
                    "file_path": f"photos/{params['file_id']}.jpg"}
        if method == "sendPhoto":
            return {"message_id": len(self.calls), "date": int(time.time()), "photo": [],
                    "chat": {"id": int(params["chat_id"]), "type": "private"}, "from": BOT_USER}
        if method == "getUpdates":
            with self._lock:
                updates, self.updates = self.updates, []
            if not updates:
                time.sleep(0.2)  # a (very) short long-poll
            return updates
        return True  # answerCallbackQuery, setWebhook, deleteWebhook

    def _handler(self) -> type:
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:  # noqa: N802 - a file download
                prefix, path = f"/file/bot{TOKEN}/photos/", unquote(self.path)
                file_id = path[len(prefix):].rsplit(".", 1)[0] if path.startswith(prefix) else ""
                if file_id not in fake.files:
                    self.answer({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
                    return
                self.answer_bytes(fake.files[file_id], "image/jpeg")

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                method = self.path.rsplit("/", 1)[-1]
                if not self.path.startswith(f"/bot{TOKEN}/"):
                    self.answer({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
                    return
                body = self.raw_body()
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/json"):
                    params = json.loads(body or b"{}")
                elif content_type.startswith("multipart/form-data"):  # an upload: sendPhoto with the bytes
                    fields = multipart_fields(body)
                    params = {name: value if name == "photo" else value.decode() for name, value in fields.items()}
                else:
                    params = dict(parse_qsl(body.decode()))
                with fake._lock:
                    fake.calls.append((method, params))
                self.answer({"ok": True, "result": fake._result(method, params)})

        return Handler


if __name__ == "__main__":  # try the Telegram channel by hand: make run with the printed settings
    fake = FakeTelegram()
    print(f"fake Bot API at {fake.url}\nTELEGRAM_API_URL={fake.url} TELEGRAM_TOKEN={TOKEN}\n"
          "messages the bot sends are printed below; Ctrl-C to stop", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(1)
            for method, params in fake.calls[seen:]:
                print(method, params.get("chat_id", ""), params.get("text", ""), flush=True)
            seen = len(fake.calls)
    except KeyboardInterrupt:
        fake.stop()
