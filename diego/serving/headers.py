"""Security headers on every HTTP response, as ASGI middleware."""

# No inline script or style: the page's own files only, and its own WebSocket.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to HTTP responses that do not set them already."""

    def __init__(self, app):
        self.app = app

    def __call__(self, scope, receive, send):
        # Not a coroutine: a WebSocket conversation awaits the inner application's
        # directly, and keeps no frame of this one for as long as it lasts.
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope, receive, send):
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [
                    (name, value) for name, value in SECURITY_HEADERS if name not in present
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Request headers beyond this many bytes in all are refused: browsers send a few KiB.
MAX_HEADER_BYTES = 16 * 1024


class HeaderSizeLimit:
    """Refuses requests with oversized headers: 431 over HTTP, 403 for a WebSocket.

    uvicorn's parser only limits headers that arrive in several reads; this limits all.
    """

    def __init__(self, app, max_bytes: int = MAX_HEADER_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    def __call__(self, scope, receive, send):
        # Not a coroutine, as `SecurityHeaders.__call__`.
        size = sum(len(name) + len(value) for name, value in scope.get("headers", ()))
        if size <= self.max_bytes or scope["type"] not in ("http", "websocket"):
            return self.app(scope, receive, send)
        return self._refuse(scope, receive, send)

    async def _refuse(self, scope, receive, send):
        if scope["type"] == "http":
            body = b"Request headers too large."
            await send(
                {
                    "type": "http.response.start",
                    "status": 431,
                    "headers": [
                        (b"content-type", b"text/plain"),
                        (b"content-length", b"%d" % len(body)),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
        else:
            await receive()  # the connect event
            await send({"type": "websocket.close", "code": 1008})
