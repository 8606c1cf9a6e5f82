"""What the local stand-ins for platform APIs share: a threaded HTTP server on loopback answering JSON."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict


class JsonHandler(BaseHTTPRequestHandler):
    def answer(self, payload: Dict[str, Any], status: int = 200) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self) -> str:
        return self.raw_body().decode()

    def raw_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer_bytes(self, data: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def multipart_fields(body: bytes) -> Dict[str, bytes]:
    """The named parts of a multipart/form-data body (enough for the platforms' upload calls)."""
    boundary = body.split(b"\r\n", 1)[0]
    fields: Dict[str, bytes] = {}
    for part in body.split(boundary)[1:]:
        head, _, value = part.partition(b"\r\n\r\n")
        match = re.search(rb'name="([^"]+)"', head)
        if match:
            fields[match.group(1).decode()] = value[:-2] if value.endswith(b"\r\n") else value
    return fields

    def log_message(self, *args: Any) -> None:
        pass  # quiet: the tests assert on what was recorded


def serve(handler: type) -> ThreadingHTTPServer:
    """Start `handler` on a free loopback port in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
