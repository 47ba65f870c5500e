#!/usr/bin/python3
"""A TCP relay on loopback that can make a path die without a FIN, for
tests/keepalive.c: a network path that goes silent (a NAT that forgot the
connection, a cable pulled) while both ends still think it is up.

usage: relay.py --target PORT   (the server on 127.0.0.1 to relay to)

Prints "PORT n" once it listens on 127.0.0.1. Every connection is relayed
to the target, byte for byte (TLS passes through untouched), until told to
stall: a connection whose first bytes are "STALL <client port>\\n" is a
control connection; the relayed connection whose client side has that port
then drops everything silently, in both directions, without closing either
side (bytes are read and thrown away, so no buffer fills). The control
connection gets "ok\\n" or "none\\n".
"""
import argparse
import asyncio
import signal

CONNS = {}  # client port -> {"stalled": bool}


async def pipe(reader, writer, state):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if state["stalled"]:
                continue  # the dead path: swallowed, never closed
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    if not state["stalled"]:
        try:
            writer.close()
        except OSError:
            pass


async def handle(reader, writer, target):
    first = await reader.read(65536)
    if not first:
        writer.close()
        return
    if first.startswith(b"STALL "):
        port = int(first.split()[1])
        state = CONNS.get(port)
        if state:
            state["stalled"] = True
        writer.write(b"ok\n" if state else b"none\n")
        await writer.drain()
        writer.close()
        return
    port = writer.get_extra_info("peername")[1]
    state = {"stalled": False}
    CONNS[port] = state
    try:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        writer.close()
        return
    up_writer.write(first)
    await asyncio.gather(pipe(reader, up_writer, state), pipe(up_reader, writer, state))
    CONNS.pop(port, None)
    if state["stalled"]:  # both sides ended on their own: now let go
        for w in (writer, up_writer):
            w.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", type=int, required=True)
    args = ap.parse_args()
    server = await asyncio.start_server(lambda r, w: handle(r, w, args.target), "127.0.0.1", 0)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await stop
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
