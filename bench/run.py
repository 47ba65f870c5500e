#!/usr/bin/env python3
"""make bench: wsclient.h against libwebsockets and the TLS and TCP ceilings.

    python3 bench/run.py --build build/bench [--rounds N] [--quick]

Starts bench/echo_server on loopback, checks every client once (--verify),
then runs the clients in turns -- wsclient.h, libwebsockets, ceiling -- for
every case, ROUNDS times over, and prints tables of medians: throughput,
the ratios of wsclient.h to libwebsockets and to the ceiling measured in the
same run, peak RSS of each client and RSS with 100 idle connections. The
ceiling is a raw BearSSL client over TLS (bench_raw_tls) and a raw socket
over TCP (bench_raw_tcp). Over TLS, wsclient.h runs twice: on BearSSL
(bench_client) and on OpenSSL (bench_client_openssl, -DWSCLIENT_TLS_OPENSSL),
the latter against its own ceiling, a raw OpenSSL client (bench_raw_ossl).
TLS 1.3 rows (transport wss13: the echo server's 1.3-only ports) run the
stream and connect cases with the OpenSSL clients alone -- wsclient.h
OpenSSL, libwebsockets and raw OpenSSL, each given --tls13. Tables go to
stdout and to BUILD/results.md; every single run to BUILD/results.json.
Standard library only.
"""
import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time

SIZES = [16, 1024, 65536, 1048576]
# Messages per run, chosen so that one run of the slowest client stays
# around a second on a 2-core machine.
# Round trips of small messages take ~70 us each; 10,000 make a run long
# enough that one stall of the machine does not decide the row.
RTT_COUNT = {16: 10000, 1024: 10000, 65536: 800, 1048576: 60}
STREAM_COUNT = {16: 20000, 1024: 20000, 65536: 1500, 1048576: 96}
# A stream run shorter than this measures its start more than the stream:
# 20,000 messages of 16 bytes took 2 to 4 ms for the fast clients (the
# window filling, the first buffers faulted in), and wsclient.h ran at 0.64
# to 0.73 of the ceiling there against 0.87 over a million messages. So
# calibrate() gives a client that streams a case's count sooner a count
# 2^k times it, the same in every round (results.json has each run's).
# A 16-byte stream, framed, is the client's CPU against the echo server's:
# at 0.25 s (3 M messages) its same-round ratios scattered from 0.78 to
# 1.10, at 2.4 s (30 M) over 0.05, so those rows last 2 s.
MIN_STREAM_SECONDS = 0.25
MIN_SMALL_STREAM_SECONDS = 2.0
MAX_STREAM_SCALE = 4096


def min_seconds(c):
    return MIN_SMALL_STREAM_SECONDS if c["size"] <= 16 else MIN_STREAM_SECONDS
CONNECT_COUNT = {"wss": 150, "ws": 400}
BUNDLE_CONNECTS = 30  # connects trusting the system CA bundle (slow where it is parsed per connect)
IDLE_CONNS = 100
EACH = "wsclient.h, a write each"
OSSL = "wsclient.h OpenSSL"  # bench_client_openssl: wss only (over ws:// it is the same code)
RAW_OSSL = "raw OpenSSL"     # bench_raw_ossl: OSSL's ceiling, wss only
# bench_raw_ossl --framed: the least WebSocket client on raw OpenSSL (each
# message a masked frame, each echo's header parsed), messages of at most
# 125 bytes: what framing alone leaves of RAW_OSSL for small messages
FRAMED = "raw OpenSSL framed"
TLS13 = "wss13"  # a pseudo-transport: wss:// over TLS 1.3, OpenSSL clients only (BearSSL has no 1.3)
TRANSPORT_NAMES = {TLS13: "wss TLS 1.3"}
BEFORE_LABEL = "before"
BEFORE = {"path": None, "name": ""}  # make bench BEFORE=<revision>: bench_client as it was there
HERE = os.path.dirname(os.path.abspath(__file__))


def find_node():
    """node with Debian's `ws` module (packages nodejs, node-ws), else None: that column shows '-'."""
    for node in ("node", "nodejs"):
        try:
            ok = subprocess.run([node, "-e", "require('ws')"], env=dict(os.environ, NODE_PATH="/usr/share/nodejs"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        except OSError:
            ok = False
        if ok:
            os.environ["NODE_PATH"] = "/usr/share/nodejs"
            return [node]
    return None


NODE = find_node()
MANY_CONNS = 1000  # bench/many_sockets: open idle wss:// sockets (issue 17)


def size_name(n):
    if n >= 1 << 20:
        return "%d MiB" % (n >> 20)
    if n >= 1 << 10:
        return "%d KiB" % (n >> 10)
    return "%d B" % n


# Where the processes run. The echo server gets one CPU and each client the
# others: left to the scheduler, a client sometimes shared the server's CPU
# for a whole run, and a 16-byte stream of wsclient.h then ran at 0.6 of
# its speed on a CPU of its own (the ceiling at 0.9 of its own), which
# decided rows more than the code did (docs/benchmarks.md). --no-pin: as
# the scheduler places them; with one CPU there is nothing to choose.
PIN = {"server": None, "clients": None}


def pin_cpus(enabled):
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return
    if enabled and len(cpus) >= 2:
        PIN["server"], PIN["clients"] = {cpus[0]}, set(cpus[1:])


def placed(role):
    """A preexec_fn that keeps the child on its role's CPUs (None: not pinned)."""
    cpus = PIN[role]
    return (lambda: os.sched_setaffinity(0, cpus)) if cpus else None


def placement_words():
    if not PIN["server"]:
        return "processes placed by the scheduler (not pinned)"
    return "echo server pinned to CPU %s, each client to CPU %s" % (
        ",".join(map(str, sorted(PIN["server"]))), ",".join(map(str, sorted(PIN["clients"]))))


class Server:
    def __init__(self, build, certs):
        self.out_path = os.path.join(build, "echo_server.out")
        self.out = open(self.out_path, "w")
        self.proc = subprocess.Popen(
            [os.path.join(build, "echo_server"), os.path.join(certs, "server.pem"), os.path.join(certs, "server.key")],
            stdout=self.out, stderr=subprocess.STDOUT, preexec_fn=placed("server"))
        self.ports = {}
        self.cipher = self.cipher13 = "?"
        for _ in range(100):
            text = open(self.out_path).read()
            m = re.search(r"^ports (.*)$", text, re.M)
            c = re.search(r"^cipher (.*)$", text, re.M)
            c13 = re.search(r"^tls13 cipher (.*)$", text, re.M)
            if m and c and c13:
                self.ports = dict(kv.split("=") for kv in m.group(1).split())
                self.cipher, self.cipher13 = c.group(1), c13.group(1)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise SystemExit("echo_server did not start:\n" + open(self.out_path).read())

    def cpu_seconds(self):
        try:
            f = open("/proc/%d/stat" % self.proc.pid).read().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return 0.0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()


def clients(build, server, transport, mode=None):
    """(label, argv prefix) in the order they take turns. The ceilings connect
    to the WebSocket port and do a canned upgrade and close (the least a client
    can do); for everything else they use the server's raw TLS or TCP port."""
    host = "127.0.0.1"
    if transport == TLS13:
        return clients_tls13(build, server, host, mode)
    ws_url = "%s://%s:%s/" % (transport, host, server.ports[transport])
    raw = "bench_raw_tls" if transport == "wss" else "bench_raw_tcp"
    if mode == "connect":
        ceiling_url = ws_url
    elif transport == "wss":
        ceiling_url = "tls://%s:%s" % (host, server.ports["tls"])
    else:
        ceiling_url = "tcp://%s:%s" % (host, server.ports["tcp"])
    # Each client runs next to what it is compared with, its ceiling, and
    # the OpenSSL build right after or before raw OpenSSL (the framed
    # ceiling, small messages only, comes after it): a ratio taken within a
    # round then spans seconds of the machine's load, not a round. With the
    # framed runs between them (2 s each), the OpenSSL build's 16-byte rows
    # met the machine's slow spells far more often than raw OpenSSL did.
    out = [("wsclient.h", [os.path.join(build, "bench_client"), "--url", ws_url]),
           ("ceiling", [os.path.join(build, raw), "--url", ceiling_url])]
    if transport == "wss":
        out += [(RAW_OSSL, [os.path.join(build, "bench_raw_ossl"), "--url", ceiling_url]),
                (OSSL, [os.path.join(build, "bench_client_openssl"), "--url", ws_url]),
                (FRAMED, [os.path.join(build, "bench_raw_ossl"), "--url", ws_url, "--framed"])]
    out.append(("libwebsockets", [os.path.join(build, "bench_lws"), "--url", ws_url]))
    if NODE:
        out.append(("node ws", NODE + [os.path.join(HERE, "bench_node.js"), "--url", ws_url]))
    # stream mode only: today's one wsc_write_binary per message, against the batch
    out.append((EACH, [os.path.join(build, "bench_client"), "--url", ws_url, "--write", "each"]))
    if BEFORE["path"]:
        out.append((BEFORE_LABEL, [BEFORE["path"], "--url", ws_url]))
    return out


def clients_tls13(build, server, host, mode):
    """The TLS 1.3 row's clients: those on OpenSSL, told --tls13 (each checks
    that 1.3 was agreed), against the echo server's 1.3-only ports."""
    ws_url = "wss://%s:%s/" % (host, server.ports["wss13"])
    ceiling_url = ws_url if mode == "connect" else "tls://%s:%s" % (host, server.ports["tls13"])
    return [(RAW_OSSL, [os.path.join(build, "bench_raw_ossl"), "--url", ceiling_url, "--tls13"]),
            (OSSL, [os.path.join(build, "bench_client_openssl"), "--url", ws_url, "--tls13"]),
            (FRAMED, [os.path.join(build, "bench_raw_ossl"), "--url", ws_url, "--tls13", "--framed"]),
            ("libwebsockets", [os.path.join(build, "bench_lws"), "--url", ws_url, "--tls13"])]


def runs_case(label, c):
    """Whether a client runs case c: the column "a write each" streams only,
    the framed ceiling takes the round trips and streams of small messages."""
    if label == EACH:
        return c["mode"] == "stream"
    if label == FRAMED:
        return c["mode"] in ("rtt", "stream") and c["size"] <= 125
    return True


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_one(argv, server, timeout=300):
    cpu0, t0, own0 = server.cpu_seconds(), time.monotonic(), children_cpu()
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           universal_newlines=True, preexec_fn=placed("clients"))
    except subprocess.TimeoutExpired:
        return {"error": "timed out after %d s" % timeout}
    wall = time.monotonic() - t0
    cpu = server.cpu_seconds() - cpu0
    # runs are one at a time, so the children's total grew by this client's CPU
    r = {"server_busy": cpu / wall if wall > 0 else 0.0, "cpu_s": children_cpu() - own0, "argv": argv[1:]}
    for line in p.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind in ("result", "cpu", "rss", "idle"):
            for kv in rest.split():
                k, _, v = kv.partition("=")
                if kind == "cpu":
                    k = "cpu_timed_s"
                try:
                    r[k] = float(v)
                except ValueError:
                    r[k] = v
        elif line.strip() == "resume=unsupported":
            r["resume_unsupported"] = True
        elif line.startswith("resumed="):
            r["resumed"] = int(line.split("=", 1)[1])
    if p.returncode != 0 or ("msgs_per_s" not in r and "rss_kb" not in r):
        r["error"] = (p.stderr.strip() or p.stdout.strip() or "exit %d" % p.returncode).splitlines()[-1]
    return r


def cases(quick, bundle):
    out = []
    for transport in ("wss", "ws"):
        for mode in ("rtt", "stream"):
            for size in SIZES:
                count = (RTT_COUNT if mode == "rtt" else STREAM_COUNT)[size]
                if quick:
                    count = max(4, count // 10)
                out.append({"transport": transport, "mode": mode, "size": size, "count": count, "resume": 0})
        count = CONNECT_COUNT[transport] // (10 if quick else 1)
        out.append({"transport": transport, "mode": "connect", "size": 0, "count": count, "resume": 0})
        if transport == "wss":
            out.append({"transport": transport, "mode": "connect", "size": 0, "count": count, "resume": 1})
            if bundle:  # trust anchors as most programs have them: the system's bundle
                out.append({"transport": transport, "mode": "connect", "size": 0, "count": max(3, BUNDLE_CONNECTS // (10 if quick else 1)),
                            "resume": 0, "ca": "bundle"})
    for size in SIZES:  # TLS 1.3: the stream and connect cases, counts as over wss
        count = STREAM_COUNT[size]
        out.append({"transport": TLS13, "mode": "stream", "size": size, "count": max(4, count // 10) if quick else count, "resume": 0})
    for resume in (0, 1):
        out.append({"transport": TLS13, "mode": "connect", "size": 0, "count": CONNECT_COUNT["wss"] // (10 if quick else 1),
                    "resume": resume})
    return out


def case_key(c):
    return (c["transport"], c["mode"], c["size"], c["resume"], c.get("ca", "one"))


def argv_for(prefix, c, cafiles, extra=()):
    argv = prefix + ["--cafile", cafiles[c.get("ca", "one")], "--mode", c["mode"], "--size", str(c["size"]), "--count", str(c["count"])]
    if c["mode"] == "connect":
        argv += ["--resume", str(c["resume"])]
    return argv + list(extra)


def calibrate(todo, build, server, cafiles):
    """{(case key, client): k} for each stream case a client runs in under
    min_seconds(c): its count times k makes it last that long."""
    scale = {}
    for c in todo:
        if c["mode"] != "stream":
            continue
        for label, prefix in clients(build, server, c["transport"], c["mode"]):
            if not runs_case(label, c):
                continue
            seconds = run_one(argv_for(prefix, c, cafiles), server).get("seconds", 0)
            k = 1
            while 0 < seconds * k < min_seconds(c) and k < MAX_STREAM_SCALE:
                k *= 2
            if k > 1:
                scale[(case_key(c), label)] = k
    return scale


def scaled(c, label, scale):
    k = scale.get((case_key(c), label), 1)
    return dict(c, count=c["count"] * k) if k > 1 else c


def smoke(build, server, cafiles):
    """Every client, every mode, once, checking every echoed byte."""
    bad = 0
    for transport in ("wss", "ws", TLS13):
        for mode, size, count in (("rtt", 1000, 20), ("stream", 70000, 20), ("stream", 16, 200), ("connect", 0, 3)):
            for label, prefix in clients(build, server, transport, mode):
                c = {"transport": transport, "mode": mode, "size": size, "count": count, "resume": 0}
                if label == EACH or (transport == TLS13 and mode == "rtt") or not runs_case(label, c):
                    continue
                r = run_one(argv_for(prefix, c, cafiles, ["--verify"]), server, timeout=60)
                if "error" in r:
                    print("smoke: %s %s %s: %s" % (label, transport, mode, r["error"]), file=sys.stderr)
                    bad += 1
    if bad:
        raise SystemExit("%d smoke runs failed" % bad)


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "MB/s":
        return "%.1f" % v if v < 100 else "%.0f" % v
    return "%.0f" % v


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return "%.2f" % (a / b)


def loadavg():
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "?"


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  universal_newlines=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    def deb(pkg):
        return version(["dpkg-query", "-W", "-f", "${Version}\\n", pkg])

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "cc": version(["cc", "--version"]),
        "bearssl": deb("libbearssl-dev"),
        "libwebsockets": deb("libwebsockets-dev"),
        "openssl": " ".join(version(["openssl", "version"]).split()[:2]),
        "load_before": loadavg(),
    }


def report(results, rounds, server, m, elapsed, bundle_n):
    lines = []
    add = lines.append
    add("Machine: %s, %d cores, Linux %s; %s." % (m["cpu"], m["cores"], m["kernel"], m["cc"]))
    add("BearSSL %s, libwebsockets %s, %s. Echo server: bench/echo_server (OpenSSL, epoll, one thread)."
        % (m["bearssl"], m["libwebsockets"], m["openssl"]))
    add("TLS 1.2, %s for every TLS client. %d rounds, medians; %.0f s in all." % (server.cipher, rounds, elapsed))
    add("A stream run lasts at least %.2f s (of 16 B messages %.1f s): a client that streams a case's count sooner"
        " streams 2^k times it (each run's count is in results.json)." % (MIN_STREAM_SECONDS, MIN_SMALL_STREAM_SECONDS))
    add("Rows over \"wss TLS 1.3\": TLS 1.3 alone, %s, the OpenSSL clients only (BearSSL has no 1.3);"
        " the ceiling is raw OpenSSL over 1.3." % server.cipher13)
    add("Load average (1 min) before and after: %s and %s (%d cores; other work on the machine shows as noise);"
        " %s." % (m["load_before"], loadavg(), m["cores"], placement_words()))
    add("")
    if BEFORE["path"]:
        add("before: bench_client and wsclient.h as they were at %s, in the same rounds." % BEFORE["name"])
        add("")
    shown = ["wsclient.h", EACH, OSSL] + ([BEFORE_LABEL] if BEFORE["path"] else []) + ["libwebsockets", "node ws", "ceiling",
                                                                                        RAW_OSSL, FRAMED]
    against = ([BEFORE_LABEL] if BEFORE["path"] else []) + ["libwebsockets", "node ws", "ceiling"]
    # (client, against): the OpenSSL build against its own ceiling and libwebsockets (OpenSSL too)
    pairs = [("wsclient.h", c) for c in against] + [(OSSL, RAW_OSSL), (OSSL, FRAMED), (OSSL, "libwebsockets")]
    names = {EACH: "(a write each)", "ceiling": "ceiling (raw BearSSL or TCP)"}
    pair_names = {("wsclient.h", "ceiling"): "vs ceiling", (OSSL, RAW_OSSL): "OpenSSL vs raw OpenSSL",
                  (OSSL, FRAMED): "OpenSSL vs raw OpenSSL framed",
                  (OSSL, "libwebsockets"): "OpenSSL vs libwebsockets"}
    add("wsclient.h OpenSSL: bench_client built with -DWSCLIENT_TLS_OPENSSL (wss only); raw OpenSSL: its ceiling,"
        " bench_raw_ossl (OpenSSL over a socket, no WebSocket framing); raw OpenSSL framed: bench_raw_ossl --framed,"
        " the least WebSocket client on the same loop (masked frames out, headers parsed in; 16 B rows only).")
    add("")
    add("| mode | size | over (ceiling) | unit | " + " | ".join(names.get(c, c) for c in shown) + " | "
        + " | ".join(pair_names.get(pr, "vs " + pr[1]) for pr in pairs) + " |")
    add("|---|---|---|---|" + "--:|" * (len(shown) + len(pairs)))
    rows = []
    busy = []
    unsupported = set()
    for key, per_client in results.items():
        transport, mode, size, resume, ca = key
        unit = "MB/s" if mode == "stream" else ("connects/s" if mode == "connect" else "msgs/s")
        field = "MBps" if mode == "stream" else "msgs_per_s"
        cells, runs_ok = {}, {}
        for label, runs in per_client.items():
            ok = [r for r in runs if "error" not in r]
            busy.append((med([r["server_busy"] for r in ok]) or 0, label, key))
            if resume and any(r.get("resume_unsupported") for r in ok):
                cells[label] = "n/a"
                unsupported.add(label)
                continue
            runs_ok[label] = runs
            cells[label] = fmt(med([r.get(field) for r in ok]), unit)

        def same_round_ratio(ours, other):
            # ratio within each round (same conditions), then the median
            if ours not in runs_ok or other not in runs_ok:
                return "-"
            rs = [a[field] / b[field] for a, b in zip(runs_ok[ours], runs_ok[other])
                  if "error" not in a and "error" not in b and b.get(field)]
            return "%.2f" % statistics.median(rs) if rs else "-"
        over = "%s (%s)" % (TRANSPORT_NAMES.get(transport, transport),
                            {"wss": "raw BearSSL", TLS13: "raw OpenSSL"}.get(transport, "raw TCP"))
        if mode == "connect":
            mode_name, size_s = "connect" + (" +resume" if resume else ""), "-"
            if ca == "bundle":
                mode_name += ", %d-CA bundle" % bundle_n
        else:
            mode_name, size_s = mode, size_name(size)
        ratios = {pr: same_round_ratio(*pr) for pr in pairs}

        def share_of_ceiling(c):
            # as the ratios: within each round, then the median (medians of
            # separate runs drift apart on a busy machine); OSSL's ceiling is its own
            top = RAW_OSSL if c == OSSL else "ceiling"
            rs = [a[field] / b[field] for a, b in zip(runs_ok.get(c, []), runs_ok.get(top, []))
                  if "error" not in a and "error" not in b and b.get(field) and a.get(field)]
            return statistics.median(rs) if rs else None
        rows.append(("%s %s%s" % (TRANSPORT_NAMES.get(transport, transport), mode_name, "" if size_s == "-" else " " + size_s),
                     {c: share_of_ceiling(c) for c in shown if c not in ("ceiling", RAW_OSSL, FRAMED)}))
        add("| %s | %s | %s | %s | " % (mode_name, size_s, over, unit) + " | ".join(cells.get(c, "-") for c in shown)
            + " | " + " | ".join(ratios[pr] for pr in pairs) + " |")
    CHART_ROWS[:] = rows
    add("")
    for key, per_client in results.items():
        if key[3]:  # a resume case: say how many connects did resume
            said = []
            for label, runs in per_client.items():
                ok = [r for r in runs if "error" not in r and "resumed" in r]
                if ok:
                    said.append("%s %d of %d" % (label, med([r["resumed"] for r in ok]), ok[0]["msgs"]))
            if said:
                add("connect +resume over %s, handshakes that resumed (median): " % TRANSPORT_NAMES.get(key[0], key[0])
                    + ", ".join(said) + ".")
    if unsupported:
        add("n/a: %s cannot resume a TLS session (yet); see the plain connect row for its full handshakes."
            % " and ".join(sorted(unsupported)))
    worst = max(busy) if busy else (0, "", ())
    add("Echo server CPU, median per case: at most %.0f%% of wall time (%s, %s)."
        % (100 * worst[0], worst[1], " ".join(str(TRANSPORT_NAMES.get(x, x)) for x in worst[2][:3])))
    add("")
    return lines


CHART_ROWS = []  # (label, {client: median}) from report(), for chart_svg()
CHART_CLIENTS = [("wsclient.h", "#1f6feb"), (OSSL, "#7c3aed"), (BEFORE_LABEL, "#9ab6e6"), ("libwebsockets", "#d97706"),
                 ("node ws", "#16a34a")]


def chart_svg(rows):
    """Each client as a share of the ceiling (the median of same-round ratios),
    one group of bars a case, the ceiling a line at 1.0; wsclient.h OpenSSL
    as a share of its own, raw OpenSSL. Bars stop at 2.0; the figure is written."""
    cap, bar, gap, left, width = 2.0, 7, 8, 190, 420
    present = [(c, col) for c, col in CHART_CLIENTS if any(m.get(c) for _, m in rows)]
    group = bar * len(present) + gap
    height = 40 + group * len(rows) + 30
    x = lambda v: left + width * min(v, cap) / cap
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="10">'
           % (left + width + 170, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="4" y="14" font-size="12">make bench: each client as a share of the ceiling (raw BearSSL TLS or raw TCP; %s: raw OpenSSL TLS), median of same-round ratios</text>' % OSSL]
    for i, (c, col) in enumerate(present):
        out.append('<rect x="%d" y="22" width="10" height="8" fill="%s"/><text x="%d" y="30">%s</text>'
                   % (4 + 120 * i, col, 18 + 120 * i, c))
    y = 40
    for label, m in rows:
        out.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (left - 6, y + group / 2, label))
        for j, (c, col) in enumerate(present):
            share = m.get(c)
            if not share:
                continue
            out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>' % (left, y + j * bar, x(share) - left, bar - 1, col))
            out.append('<text x="%.1f" y="%d" font-size="8">%.2f</text>' % (x(share) + 2, y + j * bar + bar - 1, share))
        y += group
    for v in (0.5, 1.0, 1.5, 2.0):
        out.append('<line x1="%.1f" y1="36" x2="%.1f" y2="%d" stroke="%s"/>' % (x(v), x(v), y, "black" if v == 1.0 else "#ddd"))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%.1f</text>' % (x(v), y + 12, v))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def cpu_report(results, bundle_n):
    """CPU time of the client per unit of work: steadier than throughput on a shared machine."""
    lines = []
    add = lines.append
    add("Client CPU time (user + system) in the timed part, per unit of work: lower is better, and")
    add("steadier than throughput on a shared machine (waiting does not count). Ratios: wsclient.h's")
    add("CPU over the other's, median of same-round ratios; wsclient.h OpenSSL's over raw OpenSSL's (framed).")
    add("")
    cols = ("wsclient.h", OSSL, "libwebsockets", "ceiling", RAW_OSSL, FRAMED)
    add("| mode | size | over | unit | " + " | ".join(cols)
        + " | vs libwebsockets | vs ceiling | OpenSSL vs raw OpenSSL | OpenSSL vs raw OpenSSL framed |")
    add("|---|---|---|---|" + "--:|" * (len(cols) + 4))
    for key, per_client in results.items():
        transport, mode, size, resume, ca = key
        if resume:
            continue
        def per_unit(r):
            if "error" in r or not r.get("msgs") or "cpu_timed_s" not in r:
                return None
            if mode == "stream":
                return r["cpu_timed_s"] * 1e6 / (r["bytes"] / 1e6)
            return r["cpu_timed_s"] * 1e6 / r["msgs"]
        unit = "us/MB" if mode == "stream" else ("us/connect" if mode == "connect" else "us/msg")
        cells = {label: med([per_unit(r) for r in runs]) for label, runs in per_client.items()}

        def rr(other, ours="wsclient.h"):
            a_runs, b_runs = per_client.get(ours, []), per_client.get(other, [])
            rs = [per_unit(a) / per_unit(b) for a, b in zip(a_runs, b_runs) if per_unit(a) and per_unit(b)]
            return "%.2f" % statistics.median(rs) if rs else "-"
        mode_name, size_s = (mode, size_name(size)) if mode != "connect" else ("connect", "-")
        if ca == "bundle":
            mode_name += ", %d-CA bundle" % bundle_n
        add("| %s | %s | %s | %s | " % (mode_name, size_s, TRANSPORT_NAMES.get(transport, transport), unit)
            + " | ".join("-" if cells.get(l) is None else "%.0f" % cells[l] for l in cols)
            + " | %s | %s | %s | %s |" % (rr("libwebsockets"), rr("ceiling"), rr(RAW_OSSL, OSSL), rr(FRAMED, OSSL)))
    add("")
    return lines


def memory_report(results, idle, bundle_n):
    lines = []
    add = lines.append

    def peak(key, label):
        runs = [r for r in results.get(key, {}).get(label, []) if "error" not in r]
        v = med([r.get("max_kb") for r in runs])
        return "%.0f" % v if v is not None else "-"

    def idle_cell(key, label):
        runs = [r for r in idle.get(key + (label,), []) if "error" not in r]
        total, per = med([r.get("rss_kb") for r in runs]), med([r.get("per_conn_kb") for r in runs])
        return "-" if total is None else "%.0f (%.1f)" % (total, per)

    idle_keys = sorted(set(k[:2] for k in idle), key=lambda k: (k[0] != "wss", k[1] != "one"))
    names = {("wss", "one"): "wss", ("ws", "one"): "ws", ("wss", "bundle"): "wss, %d-CA bundle" % bundle_n}
    add("Memory, KiB: peak RSS of the whole client process (VmHWM), and RSS with %d idle connections open" % IDLE_CONNS)
    add("(in parentheses: growth per connection). Ceiling: raw BearSSL for wss, raw TCP for ws; wsclient.h OpenSSL")
    add("and raw OpenSSL run over wss only.")
    add("")
    add("| client | peak, rtt 16 B wss | peak, stream 1 MiB wss | peak, connect wss | "
        + " | ".join("%d idle %s" % (IDLE_CONNS, names.get(k, str(k))) for k in idle_keys) + " |")
    add("|---|--:|--:|--:|" + "--:|" * len(idle_keys))
    for label in ("wsclient.h", OSSL, "libwebsockets", "ceiling", RAW_OSSL):
        add("| %s | %s | %s | %s | %s |" % (
            label, peak(("wss", "rtt", 16, 0, "one"), label), peak(("wss", "stream", 1048576, 0, "one"), label),
            peak(("wss", "connect", 0, 0, "one"), label), " | ".join(idle_cell(k, label) for k in idle_keys)))
    add("")
    return lines


def raise_fd_limit(need):
    """1,000 sockets need more descriptors than a common soft limit of 1024,
    in the client and in the echo server (both inherit ours)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        want = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        if want < need:
            print("descriptor limit %d (hard) is under the %d that %d sockets need: the many-sockets run may fail"
                  % (hard, need, MANY_CONNS), file=sys.stderr)


def many_sockets(build, server, cafile, rounds):
    """bench/many_sockets ROUNDS times: the medians of its medians, as lines of text."""
    argv = [os.path.join(build, "many_sockets"), "--url", "wss://127.0.0.1:%s/" % server.ports["wss"],
            "--cafile", cafile, "--count", str(MANY_CONNS)]
    runs = []
    for _ in range(rounds):
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600, universal_newlines=True,
                           preexec_fn=placed("clients"))
        line = [l for l in p.stdout.splitlines() if l.startswith("many ")]
        if p.returncode != 0 or not line:
            print("  many_sockets: " + (p.stderr.strip() or "exit %d" % p.returncode).splitlines()[-1], file=sys.stderr)
            continue
        runs.append({k: float(v) for k, v in (kv.split("=") for kv in line[0].split()[1:])})
    if not runs:
        return ["Many sockets: no run succeeded.", ""]
    m = {k: med([r[k] for r in runs]) for k in runs[0]}
    return [
        "Many sockets: %d asynchronous wss:// sockets open and idle in one process (bench/many_sockets.c,"
        % MANY_CONNS,
        "WSCLIENT_MAX_SOCKETS 1024), medians of %d runs. CPU per wsc_pump call, user + system." % len(runs),
        "",
        "| RSS per socket | idle wsc_pump(0) | turns delivering 1 / 2 / 3 / 4 / 5 echoes | wsc_exist | wsc_write, unknown name |",
        "|--:|--:|--:|--:|--:|",
        "| %.1f KiB | %.1f us | %s us | %.0f ns | %.0f ns |" % (
            m["rss_per_socket_kb"], m["idle_turn_us"],
            " / ".join("%.0f" % m["active%d_us" % k] for k in range(1, 6)), m["exist_ns"], m["write_lookup_ns"]),
        ""]


def system_bundle(certs):
    """The system's CA bundle with the test CA added, or None: what most programs trust."""
    for path in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"):
        if os.path.isfile(path):
            out = os.path.join(certs, "bundle.pem")
            with open(out, "w") as f:
                f.write(open(path).read() + "\n" + open(os.path.join(certs, "ca.pem")).read())
            return out, open(out).read().count("BEGIN CERTIFICATE")
    return None, 0


def update_readme(path, text):
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    doc = open(path).read()
    if begin not in doc or end not in doc:
        print("%s has no %s ... %s block; not updated" % (path, begin, end), file=sys.stderr)
        return
    head, rest = doc.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(path, "w") as f:
        f.write(head + begin + "\n" + text + "\n" + end + tail)
    print("tables written into " + path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build/bench")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="a tenth of the counts, for a smoke run")
    ap.add_argument("--only", default="", help="run only cases whose 'transport mode size ca' contains this")
    ap.add_argument("--no-pin", action="store_true", help="leave the server and clients where the scheduler puts them")
    ap.add_argument("--many-only", action="store_true", help="only the %d idle sockets of bench/many_sockets" % MANY_CONNS)
    ap.add_argument("--before", metavar="BENCH_CLIENT", help="a bench_client built from an earlier revision: a 'before' column")
    ap.add_argument("--before-name", default="", help="that revision, as the table's note names it")
    ap.add_argument("--update-readme", metavar="FILE",
                    help="put the tables between the bench:begin and bench:end markers of FILE")
    args = ap.parse_args()
    BEFORE.update(path=args.before, name=args.before_name or args.before)
    pin_cpus(not args.no_pin)
    build = args.build
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    certs = os.path.join(build, "certs")
    subprocess.run(["bash", os.path.join(root, "tests", "mkcerts.sh"), certs], check=True)
    cafiles = {"one": os.path.join(certs, "ca.pem")}
    bundle, bundle_n = system_bundle(certs)
    if bundle:
        cafiles["bundle"] = bundle
    m = machine()
    raise_fd_limit(MANY_CONNS + 100)
    server = Server(build, certs)
    started = time.monotonic()
    if args.many_only:
        try:
            text = "\n".join(many_sockets(build, server, cafiles["one"], args.rounds))
        finally:
            server.stop()
        print(text)
        return 0 if "no run" not in text else 1
    results, idle, log = {}, {}, []
    try:
        print("echo server pid %d, ports %s, %s" % (server.proc.pid, server.ports, server.cipher), flush=True)
        smoke(build, server, cafiles)
        print("smoke runs: every client echoed every byte", flush=True)
        todo = [c for c in cases(args.quick, bundle)
                        if args.only in "%s %s %d %s" % (c["transport"], c["mode"], c["size"], c.get("ca", "one"))]
        t = time.monotonic()
        scale = {} if args.quick else calibrate(todo, build, server, cafiles)
        print("calibration: %d stream runs under %.2f s (16 B: %.1f s) get longer counts (x%d to x%d), %.0f s"
              % (len(scale), MIN_STREAM_SECONDS, MIN_SMALL_STREAM_SECONDS, min(scale.values(), default=1), max(scale.values(), default=1),
                 time.monotonic() - t), flush=True)
        for rnd in range(args.rounds):
            t = time.monotonic()
            for c in todo:
                turns = clients(build, server, c["transport"], c["mode"])
                if rnd % 2:  # every other round the other way round: no client always runs first or after the same one
                    turns.reverse()
                for label, prefix in turns:
                    if not runs_case(label, c):
                        continue
                    r = run_one(argv_for(prefix, scaled(c, label, scale), cafiles), server)
                    r.update({"round": rnd, "client": label, "case": c})
                    log.append(r)
                    results.setdefault(case_key(c), {}).setdefault(label, []).append(r)
                    if "error" in r:
                        print("  %s %s: %s" % (label, case_key(c), r["error"]), file=sys.stderr, flush=True)
            for transport, ca in [("wss", "one"), ("ws", "one")] + ([("wss", "bundle")] if bundle else []):
                if args.only and args.only not in "%s idle" % transport:
                    continue
                for label, prefix in clients(build, server, transport):
                    if label in (EACH, FRAMED):
                        continue
                    c = {"transport": transport, "mode": "idle", "size": 0, "count": IDLE_CONNS, "resume": 0, "ca": ca}
                    r = run_one(argv_for(prefix, c, cafiles), server)
                    r.update({"round": rnd, "client": label, "case": c})
                    log.append(r)
                    idle.setdefault((transport, ca, label), []).append(r)
                    if "error" in r:
                        print("  %s idle %s %s: %s" % (label, transport, ca, r["error"]), file=sys.stderr, flush=True)
            print("round %d/%d done in %.0f s" % (rnd + 1, args.rounds, time.monotonic() - t), flush=True)
        many = many_sockets(build, server, cafiles["one"], args.rounds) if not args.only or args.only in "many" else []
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    lines = (report(results, args.rounds, server, m, elapsed, bundle_n) + cpu_report(results, bundle_n)
             + memory_report(results, idle, bundle_n) + many)
    text = "\n".join(lines)
    print()
    print(text)
    with open(os.path.join(build, "results.md"), "w") as f:
        f.write(text + "\n")
    if CHART_ROWS:
        with open(os.path.join(build, "results.svg"), "w") as f:
            f.write(chart_svg(CHART_ROWS))
        print("chart: %s" % os.path.join(build, "results.svg"))
    if args.update_readme:
        update_readme(args.update_readme, text)
        if CHART_ROWS:  # the chart beside the file it illustrates: docs/benchmarks.md -> docs/benchmarks.svg
            with open(os.path.splitext(args.update_readme)[0] + ".svg", "w") as f:
                f.write(chart_svg(CHART_ROWS))
    with open(os.path.join(build, "results.json"), "w") as f:
        json.dump({"machine": m, "cipher": server.cipher, "cipher_tls13": server.cipher13, "runs": log}, f, indent=1)
    errors = sum(1 for r in log if "error" in r)
    if errors:
        print("%d runs failed (see above)" % errors, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
