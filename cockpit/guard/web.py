"""The guard's HTTP server: the token on every route, ``GET /status``, and the runner.

Every HTTP route passes the token check (a middleware: 401 with the JSON envelope);
WebSocket routes are let through and check the token themselves with
:func:`cockpit.guard.auth.token_ok` (closing with code 4401), since a browser cannot send
headers on a WebSocket and an upgrade must be answered as one. Every answer has one
shape: ``{"status": "ok" | "error", "data": ..., "message": "..."}``.
"""

from __future__ import annotations

import errno
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from cockpit.guard.auth import token_ok
from cockpit.guard.status import guard_status

if TYPE_CHECKING:
    from cockpit.guard.daemon import Guard

GUARD: web.AppKey[Guard] = web.AppKey("guard")
"""The guard an app serves (``request.app[GUARD]``)."""

UNAUTHORIZED_CLOSE = 4401
"""The WebSocket close code for a missing or wrong token."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def reply(data: Any = None, *, status: int = 200, message: str = "") -> web.Response:
    """A success in the one envelope every route answers with."""
    return web.json_response({"status": "ok", "data": data, "message": message}, status=status)


def error_reply(status: int, message: str, data: Any = None) -> web.Response:
    """A failure in the one envelope (401, 404, 409, 422...)."""
    return web.json_response({"status": "error", "data": data, "message": message}, status=status)


def is_websocket(request: web.Request) -> bool:
    """An upgrade to a WebSocket: its handler checks the token itself."""
    return request.headers.get("Upgrade", "").lower() == "websocket"


@web.middleware
async def _token_check(request: web.Request, handler: Handler) -> web.StreamResponse:
    if is_websocket(request) or token_ok(request, request.app[GUARD].token):
        return await handler(request)
    return error_reply(401, "missing or wrong token (Authorization: Bearer <guard.token>)")


async def _status(request: web.Request) -> web.Response:
    return reply(guard_status(request.app[GUARD]))


def build_web_app(guard: Guard) -> web.Application:
    """The guard's API: ``/status`` here; the REST and ``/ws`` routes (api.py) and the
    cockpit's ``/stream`` (stream.py) are added by their modules."""
    from cockpit.guard.api import add_api_routes  # both import this module
    from cockpit.guard.stream import add_stream_routes

    app = web.Application(middlewares=[_token_check])
    app[GUARD] = guard
    app.router.add_get("/status", _status)
    add_api_routes(app, guard)
    add_stream_routes(app, guard)
    return app


class PortTaken(Exception):
    """The address the guard should listen on is in use."""


class Server:
    """Runs the web app on ``host:port`` until stopped."""

    def __init__(self, guard: Guard, host: str, port: int) -> None:
        self.guard = guard
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen, or raise :class:`PortTaken` with a one-line reason."""
        runner = web.AppRunner(build_web_app(self.guard), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            if exc.errno == errno.EADDRINUSE:
                raise PortTaken(f"{self.host}:{self.port} is already in use") from None
            raise PortTaken(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from None
        self._runner = runner
        addresses = runner.addresses  # the real port when 0 was asked
        if addresses:
            self.port = addresses[0][1]
        self.guard.address = f"{self.host}:{self.port}"

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
