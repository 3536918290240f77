"""Load test of the chat: N websocket clients in R rooms against running servers.

Set-up (once, against the servers' database, same environment as the servers):

    python bench/chat_load.py --setup --clients 200 --rooms 20 --plan load.json

Run (servers already listening; clients are spread over the given URLs):

    python bench/chat_load.py --plan /tmp/chat-load.json \\
        --url ws://127.0.0.1:8005 --url ws://127.0.0.1:8006 \\
        --messages 20 --rate 1 [--senders 10]

Every sending client sends --messages messages at --rate messages per second (with
a random phase); --senders limits how many members of each room send (default:
all). Each message carries its send time, so every delivery yields a latency. It
prints delivered messages per second, p50/p99 delivery latency, refused messages
(the server's "slow down") and lost deliveries (expected minus received, where
expected = accepted messages x room members), then stops by itself.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlparse

MARK = "bench:"


def setup(args):
    """Create rooms, members and sessions through the chat_load_setup command."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educa.settings.dev")
    import django
    from django.core.management import call_command

    django.setup()
    call_command(
        "chat_load_setup",
        clients=args.clients,
        rooms=args.rooms,
        prefix=args.prefix,
        out=args.plan,
    )


class Client:
    """One member: a socket, what it sent and what it received."""

    def __init__(self, index, member, url, stats):
        self.index = index
        self.username = member["username"]
        self.room = member["room"]
        self.session = member["session"]
        self.url = url
        self.stats = stats
        self.sent = 0
        self.refused = 0
        self.received = 0
        self.socket = None
        self.ready = asyncio.Event()

    async def open(self):
        from websockets.asyncio.client import connect

        parsed = urlparse(self.url)
        origin = f"http://{parsed.netloc}"
        self.socket = await connect(
            f"{self.url}/ws/chat/room/{self.room}/",
            additional_headers={"Cookie": f"sessionid={self.session}"},
            origin=origin,
            compression=None,
            max_queue=None,
            open_timeout=60,
            ping_interval=None,
        )
        self.reader = asyncio.create_task(self.read())

    async def read(self):
        latencies = self.stats["latencies"]
        try:
            async for frame in self.socket:
                now = time.time()
                # Cheap checks first: thousands of frames a second go through here.
                if MARK in frame:
                    message = json.loads(frame)["message"]
                    latencies.append(now - float(message.split(":")[3]))
                    self.received += 1
                elif '"error"' in frame:
                    self.refused += 1
                    self.stats["errors"][json.loads(frame)["error"]] += 1
                elif '"users"' in frame:
                    self.ready.set()
        except Exception as error:  # noqa: BLE001 (a dropped socket is a result too)
            self.stats["dropped"][type(error).__name__] += 1

    async def talk(self, messages, rate, start):
        interval = 1 / rate
        await asyncio.sleep(max(0, start - time.time()) + random.random() * interval)
        begin = time.time()
        for seq in range(messages):
            text = f"{MARK}{self.index}:{seq}:{time.time():.6f}"
            try:
                await self.socket.send(json.dumps({"message": text}))
            except Exception as error:  # noqa: BLE001 (the server dropped us)
                self.stats["dropped"][f"send: {type(error).__name__}"] += 1
                return
            self.sent += 1
            # Keep to the schedule even if a send was slow.
            delay = begin + (seq + 1) * interval - time.time()
            if delay > 0:
                await asyncio.sleep(delay)

    async def close(self):
        await self.socket.close()
        await self.reader


async def run(args):
    plan = json.loads(Path(args.plan).read_text())
    members = plan["clients"][: args.clients] if args.clients else plan["clients"]
    stats = {"latencies": [], "errors": Counter(), "dropped": Counter()}
    clients = [
        Client(n, member, args.url[n % len(args.url)], stats)
        for n, member in enumerate(members)
    ]
    rooms = defaultdict(list)
    for client in clients:
        rooms[client.room].append(client)

    started = time.time()
    # Connect in batches: a burst of handshakes is not what we measure.
    for batch in range(0, len(clients), 50):
        await asyncio.gather(*(c.open() for c in clients[batch : batch + 50]))
    await asyncio.wait_for(
        asyncio.gather(*(c.ready.wait() for c in clients)), timeout=120
    )
    print(
        f"{len(clients)} clients in {len(rooms)} rooms connected in "
        f"{time.time() - started:.1f} s",
        flush=True,
    )
    await asyncio.sleep(args.settle)  # let presence news of the arrivals pass

    senders = []
    for room_clients in rooms.values():
        senders.extend(room_clients[: args.senders or len(room_clients)])
    stats["latencies"].clear()
    for client in clients:
        client.received = 0
    start = time.time() + 0.5
    await asyncio.gather(*(s.talk(args.messages, args.rate, start) for s in senders))
    sending_time = time.time() - start

    def expected():
        total = 0
        for room_clients in rooms.values():
            accepted = sum(c.sent - c.refused for c in room_clients)
            total += accepted * len(room_clients)
        return total

    deadline = time.time() + args.drain
    while time.time() < deadline and sum(c.received for c in clients) < expected():
        await asyncio.sleep(0.05)
    elapsed = time.time() - start
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)

    received = sum(c.received for c in clients)
    latencies = sorted(stats["latencies"])
    sent = sum(s.sent for s in senders)
    refused = sum(c.refused for c in clients)
    room_rate = args.rate * len(senders) / len(rooms)

    def quantile(q):
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    print(
        f"load: {len(clients)} clients, {len(rooms)} rooms, {len(senders)} senders "
        f"x {args.messages} messages at {args.rate}/s "
        f"({room_rate:g} msg/s into each room, {args.rate * len(senders):g} in all)"
    )
    print(f"sent {sent}, refused {refused}, sending took {sending_time:.1f} s")
    print(
        f"delivered {received} of {expected()} expected in {elapsed:.1f} s: "
        f"{received / elapsed:.0f} msg/s"
    )
    print(
        f"latency p50 {quantile(0.5):.1f} ms, p99 {quantile(0.99):.1f} ms, "
        f"max {quantile(1.0):.1f} ms, mean "
        f"{(statistics.fmean(latencies) * 1000 if latencies else float('nan')):.1f} ms"
    )
    print(f"lost {expected() - received}")
    if stats["errors"]:
        print(f"errors: {dict(stats['errors'])}")
    if stats["dropped"]:
        print(f"dropped sockets: {dict(stats['dropped'])}")
    return expected() - received


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", action="store_true", help="create members only")
    parser.add_argument("--plan", default="chat-load.json", help="members file")
    parser.add_argument("--prefix", default="chatload")
    parser.add_argument("--clients", type=int, default=0, help="0: all in the plan")
    parser.add_argument("--rooms", type=int, default=20, help="with --setup")
    parser.add_argument("--url", action="append", help="ws://host:port, repeatable")
    parser.add_argument("--messages", type=int, default=20, help="per sender")
    parser.add_argument("--rate", type=float, default=1.0, help="msg/s per sender")
    parser.add_argument("--senders", type=int, default=0, help="per room; 0: all")
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--drain", type=float, default=15.0, help="wait for stragglers")
    args = parser.parse_args()
    if args.setup:
        if not args.clients:
            args.clients = 200
        setup(args)
        return
    args.url = args.url or ["ws://127.0.0.1:8000"]
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    lost = asyncio.run(run(args))
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
