"""`chat`: SOCKETS authenticated sockets across CHATS order chats send RATE messages a second in total.

The server is uvicorn with two workers and the pool, as deployed, on the channels-redis layer; every message is
checked, rate-counted, stored and broadcast to its order's group. Each chat has five sockets: the customer's
two tabs, the designer's two and a staff member's. A sender picks sockets in turn and sends at a steady pace
(each message carries a `ref`); every other socket of the chat must receive it. `p50_ms` / `p99_ms` are the
round trip from sending to each delivery at another participant; `dropped` counts deliveries that never came
(waited for DRAIN_SECONDS after the last send). The per-user chat limit is lifted for the run (one customer's
two tabs send more than 20 a minute); everything else is as configured. The run's orders are cancelled at the end.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import time
from typing import Any

import websockets
from django.conf import settings
from django.core.management import call_command

from ocg.negotiation.bench.seed import PASSWORD, cancel, world
from ocg.negotiation.models import ChatMessage
from ocg.spine.bench.common import percentile, process_log, say, start_server, stop_server
from ocg.spine.localbroker import free_port

CHATS = 100
SOCKETS_PER_CHAT = 5
RATE = 200.0
SECONDS, QUICK_SECONDS = 20.0, 5.0
WARM_UP_SECONDS = 2.0
DRAIN_SECONDS = 5.0
OPEN_AT_ONCE = 50
SIGN_IN = """mutation SignIn($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { result { access } errors { code } } }"""


class Socket:
    def __init__(self, chat: int, connection: Any) -> None:
        self.chat = chat
        self.connection = connection


class Run:
    """Send times by ref, and the latency of every delivery to a socket other than the sender."""

    def __init__(self) -> None:
        self.sent: dict[str, tuple[float, Socket]] = {}
        self.latencies: list[float] = []
        self.delivered = 0
        self.recording = False

    async def listen(self, socket: Socket) -> None:
        try:
            async for raw in socket.connection:
                arrived = time.perf_counter()
                frame = json.loads(raw)
                if frame.get("type") != "message" or "ref" not in frame:
                    continue
                sent = self.sent.get(frame["ref"])
                if sent is None or sent[1] is socket:
                    continue
                self.delivered += 1
                if self.recording:
                    self.latencies.append((arrived - sent[0]) * 1000)
        except websockets.ConnectionClosed:
            return


async def sign_in(base: str, emails: list[str]) -> dict[str, str]:
    import httpx

    tokens = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for email in emails:
            body = {"query": SIGN_IN, "variables": {"email": email, "password": PASSWORD}}
            answer = (await client.post("/graphql", json=body)).json()
            created = ((answer.get("data") or {}).get("tokenCreate") or {}).get("result")
            if not created:
                raise RuntimeError(f"sign-in of {email} failed: {answer}")
            tokens[email] = created["access"]
    return tokens


async def open_socket(port: int, chat: int, order_id: Any, token: str) -> Socket:
    connection = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/orders/{order_id}/chat/",
        subprotocols=["bearer", token],
        origin=f"http://127.0.0.1:{port}",
        open_timeout=30,
        max_queue=None,
    )
    history = json.loads(await asyncio.wait_for(connection.recv(), 30))
    if history.get("type") != "history":
        raise RuntimeError(f"chat {chat}: expected the history, got {history}")
    return Socket(chat, connection)


async def send_for(run: Run, sockets: list[Socket], seconds: float, refs: Any) -> int:
    """Send at RATE a second, sockets in turn, for `seconds`; returns how many were sent."""
    interval = 1.0 / RATE
    order = itertools.cycle(sockets)
    started = time.perf_counter()
    count = 0
    while True:
        due = started + count * interval
        now = time.perf_counter()
        if due - started >= seconds:
            return count
        if due > now:
            await asyncio.sleep(due - now)
        socket = next(order)
        ref = str(next(refs))
        run.sent[ref] = (time.perf_counter(), socket)
        await socket.connection.send(json.dumps({"type": "message", "text": f"Bench message {ref}", "ref": ref}))
        count += 1


async def drive(port: int, chats: list[Any], staff: str, seconds: float) -> dict[str, Any]:
    emails = sorted({email for chat in chats for email in (chat.customer, chat.designer)} | {staff})
    say(f"signing in {len(emails)} accounts")
    tokens = await sign_in(f"http://127.0.0.1:{port}", emails)
    plan = []
    for number, chat in enumerate(chats):
        for email in (chat.customer, chat.customer, chat.designer, chat.designer, staff)[:SOCKETS_PER_CHAT]:
            plan.append((number, chat.order_id, tokens[email]))
    say(f"opening {len(plan)} sockets")
    sockets: list[Socket] = []
    for start in range(0, len(plan), OPEN_AT_ONCE):
        batch = plan[start : start + OPEN_AT_ONCE]
        sockets += await asyncio.gather(*(open_socket(port, *item) for item in batch))
    run = Run()
    listeners = [asyncio.create_task(run.listen(socket)) for socket in sockets]
    refs = itertools.count()
    say(f"warming up, then {RATE:.0f} messages/s for {seconds:.0f} s")
    await send_for(run, sockets, WARM_UP_SECONDS, refs)
    await asyncio.sleep(1.0)
    run.recording = True
    delivered_before = run.delivered
    started = time.perf_counter()
    sent = await send_for(run, sockets, seconds, refs)
    elapsed = time.perf_counter() - started
    expected = sent * (SOCKETS_PER_CHAT - 1)
    deadline = time.perf_counter() + DRAIN_SECONDS
    while run.delivered - delivered_before < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    received = run.delivered - delivered_before
    for socket in sockets:
        await socket.connection.close()
    for listener in listeners:
        listener.cancel()
    latencies = sorted(run.latencies)
    return {
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "dropped": max(expected - received, 0),
        "messages": sent,
        "deliveries": received,
        "messages_per_s": round(sent / elapsed, 1),
        "sockets": len(sockets),
        "chats": len(chats),
        "seconds": round(elapsed, 1),
    }


def run(quick: bool) -> dict[str, Any]:
    seconds = QUICK_SECONDS if quick else SECONDS
    call_command("migrate", verbosity=0, interactive=False)
    say(f"placing {CHATS} orders to chat about")
    chats, staff = world(CHATS)
    redis_url = settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    os.environ["RATE_LIMIT_AUTH_PER_MINUTE"] = "1000000"  # every account signs in at the start of a run
    os.environ["CHAT_MESSAGES_PER_MINUTE"] = "1000000"
    port = free_port()
    with process_log() as log:
        server = start_server(port, redis_url, log)
        try:
            figures = asyncio.run(drive(port, chats, staff, seconds))
        finally:
            stop_server(server)
    order_ids = [chat.order_id for chat in chats]
    figures["stored"] = ChatMessage.objects.filter(order_id__in=order_ids, kind="user").count()
    say(f"cancelling the {len(order_ids)} orders (their chats expire like any other)")
    cancel(order_ids)
    return figures
