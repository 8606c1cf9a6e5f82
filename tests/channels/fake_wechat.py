"""A local stand-in for WeChat's API: access tokens and customer-service messages, recorded.

Openids starting with "expired-" get error 45015 (48-hour window passed), "quota-" 45047 (quota reached).
"""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, List
from urllib.parse import parse_qs, urlparse

from tests.channels.fake_api import JsonHandler, multipart_fields, serve

APP_ID = "wx49f0ab532d5d035a"
APP_SECRET = "test-app-secret"
ACCESS_TOKEN = "fake-access-token"
ERRORS = {"expired-": (45015, "response out of time limit or subscription is canceled"),
          "quota-": (45047, "out of response count limit")}


class FakeWeChat:
    def __init__(self) -> None:
        self.sent: List[Dict[str, Any]] = []
        self.media: Dict[str, bytes] = {}  # media_id → bytes: customers' photos to fetch, agents' uploads
        self.token_requests = 0
        self._lock = threading.Lock()
        self._server = serve(self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/cgi-bin/"

    def stop(self) -> None:
        self._server.shutdown()

    def sent_to(self, openid: str) -> List[str]:
        with self._lock:
            return [m["text"]["content"] for m in self.sent if m["touser"] == openid and m.get("msgtype") == "text"]

    def images_to(self, openid: str) -> List[bytes]:
        """The pictures sent to a user as customer-service image messages (the bytes uploaded for each)."""
        with self._lock:
            return [self.media[m["image"]["media_id"]] for m in self.sent
                    if m["touser"] == openid and m.get("msgtype") == "image"]

    def _handler(self) -> type:
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                query = parse_qs(url.query)
                if url.path.endswith("/media/get") and query.get("access_token") == [ACCESS_TOKEN]:
                    data = fake.media.get((query.get("media_id") or [""])[0])
                    if data is None:
                        self.answer({"errcode": 40007, "errmsg": "invalid media_id"})
                    else:
                        self.answer_bytes(data, "image/jpeg")
                elif url.path.endswith("/token") and query.get("appid") == [APP_ID] and query.get("secret") == [APP_SECRET]:
                    with fake._lock:
                        fake.token_requests += 1
                    self.answer({"access_token": ACCESS_TOKEN, "expires_in": 7200})
                else:
                    self.answer({"errcode": 40013, "errmsg": "invalid appid"})

            def do_POST(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                if parse_qs(url.query).get("access_token") != [ACCESS_TOKEN]:
                    self.answer({"errcode": 40001, "errmsg": "invalid credential"})
                    return
                if url.path.endswith("/media/upload"):
                    media_id = f"uploaded-{len(fake.media)}"
                    with fake._lock:
                        fake.media[media_id] = multipart_fields(self.raw_body()).get("media", b"")
                    self.answer({"type": "image", "media_id": media_id, "created_at": 0})
                    return
                message = json.loads(self.body() or "{}")
                for prefix, (code, text) in ERRORS.items():
                    if message.get("touser", "").startswith(prefix):
                        self.answer({"errcode": code, "errmsg": text})
                        return
                with fake._lock:
                    fake.sent.append(message)
                self.answer({"errcode": 0, "errmsg": "ok"})

        return Handler


if __name__ == "__main__":  # try the WeChat channel by hand: make run with the printed settings
    import time

    fake = FakeWeChat()
    print(f"fake WeChat API at {fake.url}\nWECHAT_API_URL={fake.url} WECHAT_APP_ID={APP_ID} "
          f"WECHAT_APP_SECRET={APP_SECRET}\ncustomer-service messages are printed below; Ctrl-C to stop", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(1)
            for message in fake.sent[seen:]:
                print(message["touser"], message["text"]["content"], flush=True)
            seen = len(fake.sent)
    except KeyboardInterrupt:
        fake.stop()
