#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A TCP proxy on loopback that delays every byte by half a round trip each way (the kernel here has no
netem): what a client reading from a server --rtt-ms away sees. Bandwidth is not limited; bytes are
counted per direction and written as JSON to --stats whenever the proxy gets SIGUSR1 (and at exit).

Usage: delay_proxy.py LISTEN_PORT TARGET_PORT [--rtt-ms 20] [--stats FILE]
"""
import argparse
import asyncio
import json
import signal
import time

stats = {"to_server": 0, "to_client": 0, "connections": 0}


async def pump(reader, writer, delay, key):
    """Copies reader -> writer, each chunk delivered `delay` seconds after it arrived (order kept)."""
    queue = asyncio.Queue()

    async def read_side():
        try:
            while True:
                data = await reader.read(1 << 16)
                queue.put_nowait((time.monotonic() + delay, data))
                if not data:
                    return
        except (ConnectionError, OSError):
            queue.put_nowait((time.monotonic(), b""))

    async def write_side():
        try:
            while True:
                due, data = await queue.get()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                stats[key] += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            return

    await asyncio.gather(read_side(), write_side())


async def handle(client_reader, client_writer, target_port, delay):
    stats["connections"] += 1
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pump(client_reader, server_writer, delay, "to_server"),
                         pump(server_reader, client_writer, delay, "to_client"))
    for w in (client_writer, server_writer):
        try:
            w.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("listen_port", type=int)
    ap.add_argument("target_port", type=int)
    ap.add_argument("--rtt-ms", type=float, default=20.0)
    ap.add_argument("--stats", default="")
    args = ap.parse_args()
    delay = args.rtt_ms / 2000.0

    def dump(*_):
        if args.stats:
            with open(args.stats, "w") as f:
                json.dump(stats, f)

    async def run():
        server = await asyncio.start_server(lambda r, w: handle(r, w, args.target_port, delay), "127.0.0.1",
                                            args.listen_port, backlog=1024)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR1, dump)
        stop = loop.create_future()
        loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
        print("ready", flush=True)
        async with server:
            await stop
        dump()

    asyncio.run(run())


if __name__ == "__main__":
    main()
