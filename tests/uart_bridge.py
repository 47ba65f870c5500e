#!/usr/bin/env python3
"""uart_bridge.py - the host end of examples/uart_transport.c's serial link.

usage: uart_bridge.py --target PORT

Listens on 127.0.0.1 (prints "PORT n" once it does) for the emulator's UART
(qemu -serial tcp:127.0.0.1:n), reads the device's frames (a type byte, a
16-bit big-endian length, the bytes) and carries one TCP connection for it:

    'C' "host:port"  connect: always to 127.0.0.1:TARGET (the host name and
                     port the device asked for are only printed), answer 'K',
                     or 'F' with the reason
    'D' bytes        to the server;  the server's bytes come back as 'D'
    'X'              close;          the server's EOF comes back as 'E'

Ends when the emulator hangs up. Traffic never leaves the loopback.
"""
import argparse
import select
import socket
import struct
import sys


def frame(kind, data=b""):
    return bytes([ord(kind)]) + struct.pack(">H", len(data)) + data


def serve(uart, target):
    inbuf = b""
    tcp = None
    while True:
        socks = [uart] + ([tcp] if tcp else [])
        ready, _, _ = select.select(socks, [], [])
        if tcp in ready:
            data = tcp.recv(4096)
            if not data:
                uart.sendall(frame("E"))
                tcp.close()
                tcp = None
            else:
                for i in range(0, len(data), 1024):
                    uart.sendall(frame("D", data[i:i + 1024]))
        if uart in ready:
            data = uart.recv(4096)
            if not data:
                return
            inbuf += data
            while len(inbuf) >= 3:
                kind, size = chr(inbuf[0]), struct.unpack(">H", inbuf[1:3])[0]
                if len(inbuf) < 3 + size:
                    break
                body, inbuf = inbuf[3:3 + size], inbuf[3 + size:]
                if kind == "C":
                    print(f"device asks for {body.decode(errors='replace')}: 127.0.0.1:{target}", flush=True)
                    try:
                        tcp = socket.create_connection(("127.0.0.1", target), timeout=5)
                        tcp.settimeout(None)
                        uart.sendall(frame("K"))
                    except OSError as e:
                        uart.sendall(frame("F", str(e).encode()[:60]))
                        tcp = None
                elif kind == "D" and tcp:
                    tcp.sendall(body)
                elif kind == "X" and tcp:
                    tcp.close()
                    tcp = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", type=int, required=True)
    args = ap.parse_args()
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    print(f"PORT {ls.getsockname()[1]}", flush=True)
    uart, _ = ls.accept()
    ls.close()
    serve(uart, args.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
