"""WebSocket clients of the guard, in their own process (so their work is not the guard's).

``python -m benchmarks._ws_clients URL SUBSCRIBED IDLE``: connects ``IDLE`` clients that
only say hello and ``SUBSCRIBED`` clients subscribed to every topic, prints ``ready``,
and reads until stdin closes. Then it prints one JSON line: for every ``GatewayUserOrder``
each subscribed client received, ``[client, order id, monotonic ns at receipt]``, and
how many messages of each type arrived. ``time.monotonic_ns`` is one clock for every
process of the machine, so the guard's send times and these compare directly.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from typing import Any

import orjson
import websockets

from cockpit.core import loop as cockpit_loop

TOPICS = ["quotes", "trades", "positions", "orders", "account", "risk", "lockouts"]
TOPICS += ["enforcement", "status"]


async def subscribed_client(
    url: str, index: int, seen: list[list[int]], counts: Counter[str], ready: asyncio.Event
) -> None:
    async with websockets.connect(url, max_queue=None) as socket:
        await socket.recv()
        subscribe = {"type": "subscribe", "data": {"topics": TOPICS}, "request_id": "s"}
        await socket.send(orjson.dumps(subscribe).decode())
        while True:
            message: dict[str, Any] = orjson.loads(await socket.recv())
            if message["type"] == "subscribed":
                break
        ready.set()
        async for text in socket:
            now = time.monotonic_ns()
            message = orjson.loads(text)
            kind = message["type"]
            counts[kind] += 1
            if kind == "GatewayUserOrder":
                seen.append([index, message["data"]["id"], now])


async def idle_client(url: str, ready: asyncio.Event) -> None:
    async with websockets.connect(url) as socket:
        await socket.recv()
        ready.set()
        await asyncio.Future()  # connected, silent, answering the guard's pings


async def main(url: str, subscribed: int, idle: int) -> None:
    seen: list[list[int]] = []
    counts: Counter[str] = Counter()
    readies = [asyncio.Event() for _ in range(subscribed + idle)]
    tasks = [
        asyncio.ensure_future(subscribed_client(url, i, seen, counts, readies[i]))
        for i in range(subscribed)
    ]
    tasks += [asyncio.ensure_future(idle_client(url, readies[subscribed + i])) for i in range(idle)]
    for ready in readies:
        await ready.wait()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the guard's side closes it
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(orjson.dumps({"seen": seen, "counts": counts}).decode(), flush=True)


if __name__ == "__main__":
    cockpit_loop.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
