"""Response headers and cross-origin rules for every console response (pages, static files, API, errors).

The console is for the agents' own browser tab only:

* `Content-Security-Policy`: scripts, styles, images and connections from the console's own origin only (no
  inline code: the pages load `console.js`/`login.js`), no plug-ins, no `<base>`, forms post to the console
  only, and no other site may frame it (with `X-Frame-Options: DENY` for old browsers);
* `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `Cross-Origin-Opener-Policy` and
  `Cross-Origin-Resource-Policy: same-origin`, `Cache-Control: no-store` unless a route chose otherwise;
* never CORS: Rasa's `--cors` (sanic-cors, on every route of the server) would answer any origin with
  `Access-Control-Allow-Credentials: true`; every `Access-Control-*` header is removed here and a preflight
  from another origin gets 403, so another site (another port of the same host included) can neither read the
  console's API with the agent's cookie nor send it JSON;
* API calls a browser marks as coming from another site (`Sec-Fetch-Site: cross-site` or `same-site`) are refused
  before they reach a route, so such a page cannot even make the agent's browser send a request that reads or
  changes anything.
"""

from __future__ import annotations

from typing import Dict, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

CONTENT_SECURITY_POLICY = ("default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
HEADERS: Dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
CROSS_SITE = {"cross-site", "same-site"}  # Fetch Metadata: same-site is another origin of the same site (a port)


def _own_origin(request: Request) -> str:
    return f"{request.scheme}://{request.host}"


def refuse_cross_site(request: Request, api_prefix: str) -> Optional[HTTPResponse]:
    """403 for an API call another site's page made the agent's browser send; None otherwise."""
    if request.path.startswith(api_prefix) and request.headers.get("sec-fetch-site", "").lower() in CROSS_SITE:
        return response.json({"error": "不允许跨站访问客服工作台"}, status=403)
    return None


def preflight(request: Request) -> HTTPResponse:
    """The answer to OPTIONS: 403 for another origin's preflight, an empty answer without CORS otherwise."""
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") != _own_origin(request):
        return response.json({"error": "不允许跨域访问客服工作台"}, status=403)
    return response.empty(status=204)


def harden(request: Request, resp: HTTPResponse) -> Optional[HTTPResponse]:
    """Add the console's headers to `resp` and strip CORS; for OPTIONS, the response that replaces it."""
    if request.method == "OPTIONS":
        resp = preflight(request)
        replaced: Optional[HTTPResponse] = resp
    else:
        replaced = None
    for name in {name for name in resp.headers.keys() if name.lower().startswith("access-control-")}:
        resp.headers.popall(name, None)
    resp.headers.update(HEADERS)
    if "cache-control" not in resp.headers:
        resp.headers["Cache-Control"] = "no-store"
    return replaced
