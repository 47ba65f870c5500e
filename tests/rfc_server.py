#!/usr/bin/python3
"""Protocol test server: drives a WebSocket client through the RFC 6455 client
requirements, frame by frame, and judges what the client does.

It speaks the Autobahn|Testsuite fuzzing server's client protocol, so that
tests/autobahn_client runs against it unchanged:
  /getCaseCount                    one text message: the number of numbered cases
  /runCase?case=N&agent=A          run case N (the client echoes every message)
  /updateReports?agent=A           write the verdicts to --report, then close
and two more for tests that want one case by name and its verdict:
  /runCase?name=NAME&agent=A[&max=BYTES]
  /result?name=NAME&agent=A        one text message: "PASS ..." or "FAIL ...: why"
  /hs/NAME                         a handshake answer broken (or odd) on purpose
  /hs/request                      checks the request against RFC 6455 §4.1 and
                                   sends "request ok" or "request FAIL: why"
  /hs/one_connecting?group=G       answers the upgrade 300 ms late, then "ok"
  /connecting-verdict?group=G      "PASS ..." when no two connections of group G
                                   were in their opening handshake at once (§4.1)

usage: rfc_server.py [--port N] [--report FILE] [--tls CERT KEY]
       (prints "PORT n" when listening)
"""
import argparse
import asyncio
import base64
import hashlib
import os
import signal
import ssl
import struct
import sys
import time
import urllib.parse

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG, CONT = 1, 2, 8, 9, 10, 0


def frame(op, payload=b"", fin=True, rsv=0, mask=None, length=None, wide=False):
    """One server frame, as raw bytes (unmasked unless mask is given; wide:
    a 16-bit length even when 7 bits would do, which RFC 6455 §5.2 asks
    servers not to send and clients may take)."""
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | op])
    m = 0x80 if mask else 0
    if n < 126 and not wide:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if mask:
        head += mask
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return head + payload


def close_frame(code=None, reason=b""):
    if code is None:
        return frame(CLOSE, b"")
    return frame(CLOSE, struct.pack("!H", code) + reason)


class Case:
    """What the server sends, and what the client must do about it.

    send:   items, in order: bytes (written at once), a float (sleep that long)
    echo:   the messages the client must send back, as (opcode, payload)
    pongs:  the pong payloads the client must send
    fail:   close codes the client may fail the connection with (None: it must not);
            with echo, the messages before its close must start that list
    reply:  the close code the client must answer our close with (None: any valid)
    fast:   the client must fail within this many seconds of the send's end
    """

    def __init__(self, name, section, send, echo=(), pongs=(), fail=None, reply=None,
                 fast=None, numbered=True, no_echo_of=None):
        self.name, self.section, self.send = name, section, send
        self.echo, self.pongs, self.fail, self.reply = list(echo), list(pongs), fail, reply
        self.fast, self.numbered, self.no_echo_of = fast, numbered, no_echo_of


def pattern(n, seed=0):
    return bytes((i * 7 + seed) % 256 for i in range(n))


# What tests/rfc.c writes in fail_mid_batch: message i is "m%05d" then dots, 20 bytes.
BATCH = [(BINARY, (b"m%05d" % i).ljust(20, b".")) for i in range(4000)]


def cases():
    out = []
    add = out.append
    # RFC 6455 §5.6, §5.2: data frames and the three length encodings
    add(Case("text_empty", "5.6", [frame(TEXT, "")], echo=[(TEXT, b"")]))
    add(Case("text_hello", "5.6", [frame(TEXT, "Hello")], echo=[(TEXT, b"Hello")]))
    add(Case("binary_small", "5.6", [frame(BINARY, b"\x00\xff\x10")], echo=[(BINARY, b"\x00\xff\x10")]))
    for n in (125, 126, 127, 128, 65535, 65536):
        add(Case(f"length_{n}", "5.2", [frame(BINARY, pattern(n, n))], echo=[(BINARY, pattern(n, n))]))
        add(Case(f"text_length_{n}", "5.2", [frame(TEXT, b"*" * n)], echo=[(TEXT, b"*" * n)]))
    add(Case("text_utf8", "5.6", [frame(TEXT, "κόσμε 😀")], echo=[(TEXT, "κόσμε 😀".encode())]))
    add(Case("two_in_one_write", "5.2", [frame(TEXT, "one") + frame(BINARY, b"two")],
             echo=[(TEXT, b"one"), (BINARY, b"two")]))
    add(Case("slow_frame", "5.2", [b"\x81", 0.05, b"\x05He", 0.05, b"llo"], echo=[(TEXT, b"Hello")]))
    # §5.4 fragmentation
    add(Case("fragments_3", "5.4", [frame(TEXT, "Hel", fin=False), frame(CONT, "lo, ", fin=False), frame(CONT, "world")],
             echo=[(TEXT, b"Hello, world")]))
    add(Case("fragments_ping_between", "5.4", [frame(BINARY, b"ab", fin=False), frame(PING, b"mid"),
                                                frame(CONT, b"cd")], echo=[(BINARY, b"abcd")], pongs=[b"mid"]))
    add(Case("fragments_empty", "5.4", [frame(TEXT, "", fin=False), frame(CONT, "abc", fin=False), frame(CONT, "")],
             echo=[(TEXT, b"abc")]))
    add(Case("fragments_one_byte", "5.4",
             [frame(TEXT, c, fin=False) if i == 0 else frame(CONT, c, fin=(i == 9)) for i, c in enumerate("fragmented")],
             echo=[(TEXT, b"fragmented")]))
    add(Case("fragments_utf8_split", "5.4", [frame(TEXT, b"\xce", fin=False), frame(CONT, b"\xba\xf0\x9f", fin=False),
                                              frame(CONT, b"\x98\x80")], echo=[(TEXT, "κ😀".encode())]))
    add(Case("continuation_without_start", "5.4", [frame(CONT, "x")], fail={1002}))
    add(Case("text_inside_fragmented", "5.4", [frame(TEXT, "a", fin=False), frame(TEXT, "b")], fail={1002}))
    add(Case("binary_inside_fragmented", "5.4", [frame(BINARY, b"a", fin=False), frame(BINARY, b"b", fin=False)],
             fail={1002}))
    # §5.5 control frames
    add(Case("ping_empty", "5.5.2", [frame(PING, b""), frame(TEXT, "after")], echo=[(TEXT, b"after")], pongs=[b""]))
    add(Case("ping_125", "5.5.2", [frame(PING, pattern(125)), frame(TEXT, "after")], echo=[(TEXT, b"after")],
             pongs=[pattern(125)]))
    add(Case("ping_ten", "5.5.2", [frame(PING, b"p%d" % i) for i in range(10)] + [frame(TEXT, "after")],
             echo=[(TEXT, b"after")], pongs=[b"p%d" % i for i in range(10)]))
    add(Case("ping_126", "5.5", [frame(PING, pattern(126))], fail={1002}))
    add(Case("ping_fragmented", "5.5", [frame(PING, b"a", fin=False)], fail={1002}))
    add(Case("pong_unsolicited", "5.5.3", [frame(PONG, b"x"), frame(TEXT, "after")], echo=[(TEXT, b"after")]))
    add(Case("close_fragmented", "5.5", [frame(CLOSE, struct.pack("!H", 1000), fin=False)], fail={1002}))
    # §5.2 reserved bits and opcodes, §5.1 masking
    for rsv in (1, 2, 4):
        add(Case(f"reserved_bits_{rsv}", "5.2", [frame(TEXT, "x", rsv=rsv)], fail={1002}))
    for op in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):
        add(Case(f"reserved_opcode_{op}", "5.2", [frame(op, b"")], fail={1002}))
    add(Case("masked_server_frame", "5.1", [frame(TEXT, "x", mask=b"\x01\x02\x03\x04")], fail={1002}))
    add(Case("length_msb_set", "5.2", [b"\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x01"], fail={1002}))
    # §8.1 UTF-8
    add(Case("utf8_invalid", "8.1", [frame(TEXT, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited")],
             fail={1007}))
    add(Case("utf8_invalid_in_fragments", "8.1", [frame(TEXT, b"ok\xf4", fin=False), frame(CONT, b"\x90\x80\x80")],
             fail={1007}))
    add(Case("utf8_truncated", "8.1", [frame(TEXT, b"ab\xe2\x82")], fail={1007}))
    add(Case("utf8_overlong", "8.1", [frame(TEXT, b"\xc0\xaf")], fail={1007}))
    # the bad byte comes first; the rest of the frame only 2 s later
    add(Case("utf8_fail_fast", "8.1", [b"\x81\x64" + b"ab\xc3(", 2.0, b"x" * 96], fail={1007}, fast=1.5))
    add(Case("utf8_fail_fast_fragments", "8.1", [frame(TEXT, b"ab", fin=False), b"\x80\x64" + b"\xed\xa0", 2.0,
                                                 b"x" * 98], fail={1007}, fast=1.5))
    # §5.5.1, §7.4 closing
    add(Case("close_with_reason", "5.5.1", [close_frame(1000, b"bye")], reply=1000))
    add(Case("close_empty", "5.5.1", [close_frame()]))
    add(Case("close_one_byte", "5.5.1", [frame(CLOSE, b"\x03")], fail={1002}))
    for code in (1001, 1003, 1007, 1011, 3000, 4999):
        add(Case(f"close_code_{code}", "7.4.1", [close_frame(code)], reply=code))
    for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000):
        add(Case(f"close_code_invalid_{code}", "7.4.1", [close_frame(code)], fail={1002}))
    add(Case("close_reason_not_utf8", "5.5.1", [close_frame(1000, b"\xff\xfe")], fail={1007}))
    add(Case("close_then_data", "5.5.1", [close_frame(1000, b"bye") + frame(TEXT, "late")], reply=1000,
             no_echo_of=b"late"))
    # §10.4 limits and many messages
    add(Case("many_small", "5.6", [b"".join(frame(TEXT, "message %05d" % i) for i in range(2000))],
             echo=[(TEXT, b"message %05d" % i) for i in range(2000)]))
    # many whole small frames in one write, which the client takes straight
    # from its buffer, mixed with all that it must take frame by frame
    burst, burst_echo = [], []
    for i in range(400):
        k = i % 10
        if k == 0:
            burst.append(frame(TEXT, b"")); burst_echo.append((TEXT, b""))
        elif k == 1:
            m = ("κ%d😀" % i).encode() + b"x" * (i % 100)
            burst.append(frame(TEXT, m)); burst_echo.append((TEXT, m))
        elif k == 2:
            m = pattern(125 + i % 3, i)  # 125: the last 7-bit length; 126, 127 have 16 bits
            burst.append(frame(BINARY, m)); burst_echo.append((BINARY, m))
        elif k == 6:  # 16-bit lengths: 1024 is the shortcut's largest, 1025 and on are not
            m = pattern([126, 127, 500, 1023, 1024, 1025, 2000, 65535][i // 10 % 8], i)
            burst.append(frame(BINARY, m)); burst_echo.append((BINARY, m))
        elif k == 7:
            m = ("κόσμε %d " % i).encode() * (i % 90)  # text up to about 1 KiB, 16-bit lengths
            burst.append(frame(TEXT, m)); burst_echo.append((TEXT, m))
        elif k == 8 and i % 20 == 8:
            m = pattern(i % 7, i)  # a short payload with a 16-bit length
            burst.append(frame(BINARY, m, wide=True)); burst_echo.append((BINARY, m))
        elif k == 3:
            burst.append(frame(TEXT, b"fr", fin=False) + frame(PING, b"p%d" % i) + frame(CONT, b"ag"))
            burst_echo.append((TEXT, b"frag"))
        elif k == 4:
            burst.append(frame(PONG, b"unasked") + frame(BINARY, b"")); burst_echo.append((BINARY, b""))
        elif k == 5 and i % 100 == 5:
            m = pattern(70000, i)
            burst.append(frame(BINARY, m)); burst_echo.append((BINARY, m))
        else:
            m = pattern(i % 126, i)
            burst.append(frame(BINARY, m)); burst_echo.append((BINARY, m))
    add(Case("small_burst_mixed", "5.2", [b"".join(burst)], echo=burst_echo))  # (a later ping may take an earlier one's pong)
    good = b"".join(frame(BINARY if i % 2 else TEXT, b"ok %d" % i) for i in range(200))
    add(Case("small_burst_utf8_invalid", "8.1", [good + frame(TEXT, b"ab\xff")], fail={1007}))
    add(Case("small_burst_utf8_cut", "8.1", [good + frame(TEXT, b"ab\xe2\x82") + frame(TEXT, b"after")], fail={1007}))
    add(Case("small_burst_masked", "5.1", [good + frame(BINARY, b"x", mask=b"\x01\x02\x03\x04")], fail={1002}))
    add(Case("small_burst_reserved_bits", "5.2", [good + frame(TEXT, "x", rsv=4)], fail={1002}))
    add(Case("small_burst_inside_fragmented", "5.4", [good + frame(TEXT, "a", fin=False) + frame(BINARY, b"b")],
             fail={1002}))
    add(Case("small_burst_continuation_alone", "5.4", [good + frame(CONT, b"x")], fail={1002}))
    add(Case("small_burst_utf8_invalid_wide", "8.1", [good + frame(TEXT, b"a" * 300 + b"\xff")], fail={1007}))
    add(Case("small_burst_masked_wide", "5.1", [good + frame(BINARY, b"x" * 300, mask=b"\x01\x02\x03\x04")],
             fail={1002}))
    add(Case("small_burst_reserved_bits_wide", "5.2", [good + frame(BINARY, b"x" * 600, rsv=2)], fail={1002}))
    big = pattern(1 << 20, 3)
    add(Case("large_binary_1m", "5.2", [frame(BINARY, big)], echo=[(BINARY, big)]))
    add(Case("large_text_1m", "5.2", [frame(TEXT, b"t" * (1 << 20))], echo=[(TEXT, b"t" * (1 << 20))]))
    # large text, read a record at a time: characters cut at record
    # boundaries, a bad byte deep inside, whole or in fragments
    many = ("κόσμε 😀 " * 60000).encode()
    add(Case("large_text_utf8_1m", "8.1", [frame(TEXT, many)], echo=[(TEXT, many)]))
    add(Case("utf8_invalid_deep", "8.1", [frame(TEXT, b"a" * 200000 + b"\xed\xa0\x80" + b"b" * 50000)], fail={1007}))
    add(Case("utf8_invalid_deep_fragments", "8.1", [frame(TEXT, b"a" * 70000, fin=False),
                                                    frame(CONT, b"b" * 70000 + b"\xf4\x90" + b"c" * 9000)], fail={1007}))
    add(Case("large_fragmented_4m", "5.4", [b"".join(frame(BINARY if i == 0 else CONT, pattern(65536, i), fin=(i == 63))
                                                     for i in range(64))],
             echo=[(BINARY, b"".join(pattern(65536, i) for i in range(64)))]))
    # large frames whose payload comes in pieces with pauses, so that the
    # client reads it straight into the message a piece at a time: a piece
    # of one byte, a piece that ends the frame and starts the next ones,
    # characters cut between pieces, a bad byte in a late piece, a ping
    # between the fragments of a large message
    big = pattern(100000, 5)
    head = frame(BINARY, big)[:10]
    add(Case("large_in_pieces", "5.2", [head + big[:10], 0.03, big[10:30010], 0.03, big[30010:30011], 0.03,
                                        big[30011:] + frame(TEXT, "next") + frame(BINARY, pattern(300, 1))],
             echo=[(BINARY, big), (TEXT, b"next"), (BINARY, pattern(300, 1))]))
    emoji = ("😀κ" * 20000).encode()  # 120,000 bytes; pieces end inside characters
    whole = frame(TEXT, emoji)
    add(Case("large_text_utf8_in_pieces", "8.1", [whole[:10 + 20001], 0.03, whole[10 + 20001:10 + 40003], 0.03,
                                                  whole[10 + 40003:10 + 40005], 0.03, whole[10 + 40005:]],
             echo=[(TEXT, emoji)]))
    bad = frame(TEXT, b"a" * 40000 + b"\xc3(" + b"b" * 40000)
    add(Case("large_utf8_invalid_in_a_piece", "8.1", [bad[:10 + 20000], 0.03, bad[10 + 20000:10 + 40002], 2.0,
                                                      bad[10 + 40002:]], fail={1007}, fast=1.5))
    first, second = pattern(40000, 7), pattern(50000, 8)
    fragmented = frame(BINARY, first, fin=False) + frame(PING, b"between") + frame(CONT, second)
    cut = len(frame(BINARY, first, fin=False)) + len(frame(PING, b"between")) + 4 + 20000
    add(Case("large_fragments_ping_in_pieces", "5.4", [fragmented[:20000], 0.03, fragmented[20000:cut], 0.03,
                                                       fragmented[cut:]],
             echo=[(BINARY, first + second)], pongs=[b"between"]))
    add(Case("too_big", "10.4", None, fail={1009}, numbered=False))  # size from ?max=
    add(Case("too_big_fragmented", "10.4", None, fail={1009}, numbered=False))
    # the client's own sending: it echoes in parts when asked by name (see tests/rfc.c)
    add(Case("client_sends_parts", "5.4", [], numbered=False))
    # the client fails with frames of its own on their way (tests/rfc.c waits
    # until the bad frame is there, then writes): a batch with a frame half
    # handed on, whose close frame must still come whole behind the messages
    # before it; and a close handshake of its own, which must not end in a
    # second close frame
    add(Case("fail_mid_batch", "7.1.7", [0.2, frame(TEXT, "x", rsv=4)], echo=BATCH, fail={1002}, numbered=False))
    add(Case("fail_while_closing", "5.5.1", [0.2, frame(TEXT, "x", rsv=4)], fail={1000}, numbered=False))
    return out


CASES = cases()
BY_NAME = {c.name: c for c in CASES}
NUMBERED = [c for c in CASES if c.numbered]
verdicts = {}          # (agent, name) -> "PASS ..." / "FAIL ..."
verdict_ready = {}     # (agent, name) -> asyncio.Event
report_file = None
started = set()        # (agent, name) of every case begun


def event_for(key):
    if key not in verdict_ready:
        verdict_ready[key] = asyncio.Event()
    return verdict_ready[key]


async def read_head(reader):
    data = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = data.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return method, target, version, headers


def accept_of(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def switching(key, extra=""):
    return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept_of(key)}\r\n{extra}\r\n").encode()


class Peer:
    """Reads the client's frames and keeps what the verdict needs."""

    def __init__(self, reader):
        self.reader = reader
        self.messages, self.pongs, self.masks, self.violations = [], [], [], []
        self.frames = []            # (fin, opcode, length) of every client frame
        self.close_code = None      # None: no close frame; 1005: empty
        self.close_at = None
        self.eof_at = None
        self.changed = asyncio.Event()

    async def run(self):
        partial, partial_op = None, None
        try:
            while True:
                b0, b1 = await self.reader.readexactly(2)
                fin, rsv, op, masked, n = b0 >> 7, (b0 >> 4) & 7, b0 & 15, b1 >> 7, b1 & 127
                if n == 126:
                    n = struct.unpack("!H", await self.reader.readexactly(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
                if not masked:
                    self.violations.append("unmasked client frame (5.1)")
                    key = b"\0\0\0\0"
                else:
                    key = await self.reader.readexactly(4)
                    self.masks.append(key)
                if rsv:
                    self.violations.append("client set reserved bits (5.2)")
                if self.close_code is not None:
                    self.violations.append("client sent a frame after its close frame (5.5.1)")
                data = await self.reader.readexactly(n)
                data = bytes(c ^ key[i % 4] for i, c in enumerate(data)) if n < 4096 else unmask(data, key)
                self.frames.append((fin, op, n))
                if op >= 8:
                    if not fin or n > 125:
                        self.violations.append("bad client control frame (5.5)")
                    if op == CLOSE:
                        self.close_code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
                        self.close_at = time.monotonic()
                    elif op == PONG:
                        self.pongs.append(data)
                elif op == CONT:
                    if partial is None:
                        self.violations.append("client continuation without start (5.4)")
                    else:
                        partial += data
                else:
                    if partial is not None:
                        self.violations.append("client started a message inside another (5.4)")
                    partial, partial_op = data, op
                if op < 8 and fin and partial is not None:
                    self.messages.append((partial_op, partial))
                    partial = None
                self.changed.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            self.eof_at = time.monotonic()
            self.changed.set()

    async def wait(self, predicate, timeout):
        end = time.monotonic() + timeout
        while not predicate():
            left = end - time.monotonic()
            if left <= 0:
                return False
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except asyncio.TimeoutError:
                return predicate()
        return True


def unmask(data, key):
    n = len(data)
    k = int.from_bytes((key * ((n + 3) // 4))[:n], "big")
    return (int.from_bytes(data, "big") ^ k).to_bytes(n, "big")


async def write_all(writer, items):
    for item in items:
        if isinstance(item, float):
            await writer.drain()
            await asyncio.sleep(item)
        else:
            writer.write(item)
    await writer.drain()


def judge(case, peer, sent_close, send_done_at):
    why = list(peer.violations)
    if len(peer.masks) <= 100 and len(set(peer.masks)) != len(peer.masks):
        why.append("a mask key was reused (5.3)")
    if case.fail is not None:
        if peer.close_code not in case.fail:
            why.append(f"expected a close with {sorted(case.fail)}, got {peer.close_code}")
        if peer.eof_at is None:
            why.append("client did not close TCP after failing (7.1.7)")
        if case.echo and (not peer.messages or peer.messages != case.echo[:len(peer.messages)]):
            why.append(f"its {len(peer.messages)} messages are not the first of the {len(case.echo)} it wrote")
        if case.fast and peer.close_at and peer.close_at - send_done_at > case.fast:
            why.append(f"failed only after {peer.close_at - send_done_at:.2f} s")
    else:
        got = peer.messages
        if case.no_echo_of is not None and any(m[1] == case.no_echo_of for m in got):
            why.append("client acted on a frame sent after the close (5.5.1)")
        elif case.echo and got != case.echo:
            if len(got) != len(case.echo):
                why.append(f"expected {len(case.echo)} echoed messages, got {len(got)}")
            else:
                i = next(i for i in range(len(got)) if got[i] != case.echo[i])
                why.append(f"echo {i} differs: {got[i][0]}/{len(got[i][1])} bytes")
        if case.pongs and peer.pongs[:len(case.pongs)] != case.pongs:
            why.append(f"pongs {peer.pongs!r:.80} != {case.pongs!r:.80}")
        if peer.close_code is None:
            why.append("client did not answer our close (5.5.1)")
        elif case.reply is not None:
            if peer.close_code != case.reply:
                why.append(f"client answered close with {peer.close_code}, expected {case.reply}")
        elif peer.close_code in (1002, 1007, 1009, 1011):
            why.append(f"client failed the connection with {peer.close_code}")
    if why:
        return f"FAIL {case.name} (RFC 6455 §{case.section}): " + "; ".join(why)
    return f"PASS {case.name} (RFC 6455 §{case.section})"


def sends_for(case, query):
    if case.name in ("too_big", "too_big_fragmented"):
        size = int(query.get("max", ["1048576"])[0]) + 1
        if case.name == "too_big":
            return [frame(BINARY, b"", length=size), b"z" * size]
        half = size // 2
        return [frame(BINARY, b"y" * half, fin=False), frame(CONT, b"z" * (size - half))]
    return case.send


async def run_case(case, query, reader, writer, agent):
    started.add((agent, case.name))
    peer = Peer(reader)
    reading = asyncio.create_task(peer.run())
    try:
        await write_all(writer, sends_for(case, query))
    except ConnectionError:
        pass
    send_done_at = time.monotonic()
    sent_close = any(isinstance(i, bytes) and i[:1] == b"\x88" for i in (case.send or []))
    if case.fail is not None:
        await peer.wait(lambda: peer.eof_at is not None, 5)
    elif case.name == "client_sends_parts":
        await peer.wait(lambda: peer.close_code is not None, 5)
        if peer.close_code is not None:
            writer.write(close_frame(peer.close_code if peer.close_code != 1005 else None))
    else:
        await peer.wait(lambda: len(peer.messages) >= len(case.echo) or peer.close_code is not None, 20)
        if not sent_close and peer.close_code is None:
            writer.write(close_frame(1000, b"case done"))
            sent_close = True
        await peer.wait(lambda: peer.close_code is not None, 5)
        if peer.close_code is not None and not sent_close:
            writer.write(close_frame(peer.close_code if peer.close_code != 1005 else None))
    if case.name == "client_sends_parts":
        verdict = judge_parts(peer)
    else:
        verdict = judge(case, peer, sent_close, send_done_at)
    key = (agent, case.name)
    verdicts[key] = verdict
    event_for(key).set()
    try:
        await writer.drain()
        writer.close()
    except ConnectionError:
        pass
    await peer.wait(lambda: peer.eof_at is not None, 2)
    reading.cancel()


def judge_parts(peer):
    """The client was asked (by tests/rfc.c) to send 'part1part2part3' as three text frames."""
    why = list(peer.violations)
    text_frames = [f for f in peer.frames if f[1] < 8]
    if [(f[0], f[1]) for f in text_frames] != [(0, TEXT), (0, CONT), (1, CONT)]:
        why.append(f"frames were {text_frames}")
    if peer.messages != [(TEXT, b"part1part2part3")]:
        why.append(f"message was {peer.messages!r:.80}")
    if len(set(peer.masks)) != len(peer.masks):
        why.append("a mask key was reused (5.3)")
    return ("FAIL client_sends_parts (RFC 6455 §5.4): " + "; ".join(why)) if why else \
        "PASS client_sends_parts (RFC 6455 §5.4)"


async def send_text_and_close(reader, writer, text):
    writer.write(frame(TEXT, text) + close_frame(1000))
    await writer.drain()
    peer = Peer(reader)
    task = asyncio.create_task(peer.run())
    await peer.wait(lambda: peer.close_code is not None or peer.eof_at is not None, 3)
    writer.close()
    task.cancel()


HANDSHAKES = {
    "status_200": lambda k: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "odd_case": lambda k: ("HTTP/1.1 101 Switching Protocols\r\nUPGRADE: WebSocket\r\nconnection: keep-alive, UPGRADE\r\n"
                           f"sec-websocket-accept: {accept_of(k)}\r\n\r\n").encode(),
    "bad_accept": lambda k: switching("x" + k),
    "no_upgrade": lambda k: switching(k).replace(b"Upgrade: websocket\r\n", b""),
    "no_connection": lambda k: switching(k).replace(b"Connection: Upgrade\r\n", b""),
    "extension": lambda k: switching(k, "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
    "protocol": lambda k: switching(k, "Sec-WebSocket-Protocol: unoffered\r\n"),
    "huge": lambda k: switching(k, "".join(f"X-Pad-{i}: {'p' * 80}\r\n" for i in range(100))),
    "not_http": lambda k: b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
    "split": None,   # a correct answer, one byte at a time
    "early": None,   # a correct answer with a frame in the same write
    "request": None,  # checks the request itself
    "one_connecting": None,  # a late answer, for the one-CONNECTING rule
}
keys_seen = set()
connecting = {}  # group -> [(accepted at, answered at)]


def check_request(method, target, version, headers, server_port):
    """RFC 6455 §4.1, the client's opening handshake, item by item."""
    why = []
    if method != "GET" or version != "HTTP/1.1":
        why.append(f"request line is {method} ... {version}, must be GET ... HTTP/1.1 (§4.1 item 1)")
    if not target.startswith("/") or "#" in target:
        why.append("Request-URI must be the resource name, without a fragment (§4.1 item 1, §3)")
    host = headers.get("host", "")
    if not host or not (host.endswith(f":{server_port}") or host in ("localhost", "127.0.0.1", "[::1]")):
        why.append(f"Host '{host}' must name the server and its port (§4.1 item 4)")
    if "websocket" not in [t.strip().lower() for t in headers.get("upgrade", "").split(",")]:
        why.append("Upgrade must include websocket (§4.1 item 5)")
    if "upgrade" not in [t.strip().lower() for t in headers.get("connection", "").split(",")]:
        why.append("Connection must include Upgrade (§4.1 item 6)")
    key = headers.get("sec-websocket-key", "")
    try:
        raw = base64.b64decode(key, validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 16 or len(key) != 24:
        why.append(f"Sec-WebSocket-Key '{key}' is not 16 random bytes in base64 (§4.1 item 7)")
    elif key in keys_seen:
        why.append("Sec-WebSocket-Key was used before: it must be chosen at random for each connection (§4.1 item 7)")
    keys_seen.add(key)
    if headers.get("sec-websocket-version") != "13":
        why.append("Sec-WebSocket-Version must be 13 (§4.1 item 9)")
    return "request ok" if not why else "request FAIL: " + "; ".join(why)


def connecting_verdict(group):
    spans = sorted(connecting.get(group, []))
    if len(spans) < 2:
        return f"FAIL one_connecting (RFC 6455 §4.1 item 2): only {len(spans)} connections arrived"
    for (a0, a1), (b0, _) in zip(spans, spans[1:]):
        if b0 < a1:
            return (f"FAIL one_connecting (RFC 6455 §4.1 item 2): a connection began {a1 - b0:.3f} s "
                    "before the one ahead of it had its answer")
    return f"PASS one_connecting (RFC 6455 §4.1 item 2): {len(spans)} connections, one at a time"


async def handshake_case(name, key, reader, writer, request, query):
    if name == "request":
        writer.write(switching(key))
        await send_text_and_close(reader, writer, request)
    elif name == "one_connecting":
        accepted = time.monotonic()
        await asyncio.sleep(0.3)
        writer.write(switching(key))
        await writer.drain()
        connecting.setdefault(query.get("group", ["?"])[0], []).append((accepted, time.monotonic()))
        await send_text_and_close(reader, writer, "ok")
    elif name == "split":
        for b in switching(key):
            writer.write(bytes([b]))
            await writer.drain()
            await asyncio.sleep(0.002)
        await send_text_and_close(reader, writer, "split ok")
    elif name == "early":
        writer.write(switching(key) + frame(TEXT, "early"))
        await send_text_and_close(reader, writer, "after early")
    else:
        writer.write(HANDSHAKES[name](key))
        await writer.drain()
        if name == "odd_case":
            await send_text_and_close(reader, writer, "odd ok")
        else:
            await asyncio.sleep(0.5)
            writer.close()


async def serve(reader, writer):
    try:
        method, target, version, headers = await read_head(reader)
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, ConnectionError):
        writer.close()
        return
    url = urllib.parse.urlsplit(target)
    query = urllib.parse.parse_qs(url.query)
    key = headers.get("sec-websocket-key", "")
    ok = (method == "GET" and "websocket" in headers.get("upgrade", "").lower()
          and "upgrade" in headers.get("connection", "").lower()
          and headers.get("sec-websocket-version") == "13" and len(base64.b64decode(key + "==")[:16]) == 16)
    if not ok:
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        writer.close()
        return
    agent = query.get("agent", ["?"])[0]
    try:
        if url.path.startswith("/hs/") and url.path[4:] in HANDSHAKES:
            port = writer.get_extra_info("sockname")[1]
            await handshake_case(url.path[4:], key, reader, writer,
                                 check_request(method, target, version, headers, port), query)
            return
        if url.path == "/connecting-verdict":
            writer.write(switching(key))
            await send_text_and_close(reader, writer, connecting_verdict(query.get("group", ["?"])[0]))
            return
        writer.write(switching(key))
        if url.path == "/getCaseCount":
            await send_text_and_close(reader, writer, str(len(NUMBERED)))
        elif url.path == "/runCase":
            if "case" in query:
                case = NUMBERED[int(query["case"][0]) - 1]
            else:
                case = BY_NAME[query["name"][0]]
            await run_case(case, query, reader, writer, agent)
        elif url.path == "/result":
            k = (agent, query["name"][0])
            try:
                await asyncio.wait_for(event_for(k).wait(), 10)
            except asyncio.TimeoutError:
                pass
            await send_text_and_close(reader, writer, verdicts.get(k, "FAIL: case never ran"))
        elif url.path == "/updateReports":
            # a case may still be judging (it waits on the client's TCP close)
            pending = [event_for(k).wait() for k in started if k[0] == agent]
            if pending:
                await asyncio.wait([asyncio.ensure_future(p) for p in pending], timeout=15)
            write_report(agent)
            writer.write(close_frame(1000))
            await writer.drain()
            await asyncio.sleep(0.2)
            writer.close()
        else:
            writer.write(close_frame(1008, b"unknown path"))
            writer.close()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass


def write_report(agent):
    if not report_file:
        return
    mine = [verdicts.get((agent, c.name), f"FAIL {c.name}: never ran") for c in NUMBERED]
    passed = sum(v.startswith("PASS") for v in mine)
    with open(report_file, "w") as f:
        f.write("\n".join(mine) + "\n")
        f.write(f"autobahn: {passed} passed, {len(mine) - passed} failed\n")


async def main():
    global report_file
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--report")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = ap.parse_args()
    report_file = args.report
    ctx = None
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
    server = await asyncio.start_server(serve, "127.0.0.1", args.port, limit=1 << 16, ssl=ctx)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await stop
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
