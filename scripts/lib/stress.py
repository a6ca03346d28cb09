"""The hostile clients of issue 14 at full size, each against a fresh zsz-api on 127.0.0.1.

Run by scripts/stress.sh (which builds, makes the database and passes the settings); on its
own: python3 scripts/lib/stress.py --bin BIN --url DATABASE_URL --secret SECRET --logs DIR.

Every attack comes from loopback addresses (127.0.0.1, or 127.0.0.10 and up for "many
addresses"); an honest client on 127.0.0.2 asks GET /healthz on a fresh connection every
0.2 s during the attack. For each attack it prints the connections the server held (sampled
from /proc every 0.25 s: its established TCP sockets on its port), the server's peak memory
(VmHWM, and its growth during the attack) and the honest client's latency. Each attack is
bounded in time and stops by itself; a server is started for it and stopped after it.
"""

import argparse
import errno
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time

HONEST = "127.0.0.2"
ANNOUNCED = 60 * 1000 * 1000


def free_port(start):
    for port in range(start, start + 100):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit(f"no free port from {start}")


def head(method, path, headers=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: zsz.stress"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def read_status(sock, timeout):
    """The status of the response on sock, or None when none arrives in time."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while b"\r\n" not in data and time.monotonic() < deadline:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    try:
        return int(data.split(b"\r\n", 1)[0].split()[1])
    except (IndexError, ValueError):
        return None


def read_response(sock, timeout):
    """Reads one whole response (Content-Length bodies); its status, or None."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while b"\r\n\r\n" not in data and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
        head_, body = data.split(b"\r\n\r\n", 1)
        length = 0
        for line in head_.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v)
        while len(body) < length and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            body += chunk
        return int(head_.split(b"\r\n", 1)[0].split()[1])
    except (OSError, ValueError, IndexError):
        return None


class Server:
    def __init__(self, args, name, env=None):
        self.port = free_port(args.port)
        self.log_path = os.path.join(args.logs, f"server-{name}.log")
        # ZSZ_* settings given to stress.sh reach every server
        e = {k: v for k, v in os.environ.items() if not k.startswith("ZSZ_STRESS_")}
        e.update(ZSZ_BIND="127.0.0.1", ZSZ_PORT=str(self.port), ZSZ_DATABASE_URL=args.url,
                 ZSZ_JWT_SECRET=args.secret, ZSZ_LOG_LEVEL="info")
        e.update(env or {})
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([args.bin, "serve"], env=e, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.sendall(head("GET", "/readyz"))
                    if read_response(s, 2) == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the server was not ready within 30 s; see {self.log_path}")

    def status(self, field):
        with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def held(self):
        """Established client connections the server process holds on its port."""
        inodes = set()
        fd_dir = f"/proc/{self.proc.pid}/fd"
        for fd in os.listdir(fd_dir):
            try:
                link = os.readlink(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        n = 0
        want = f":{self.port:04X}"
        with open("/proc/net/tcp", encoding="ascii") as fh:
            next(fh)
            for line in fh:
                f = line.split()
                if f[1].endswith(want) and f[3] in ("01", "08") and f[9] in inodes:
                    n += 1
        return n

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


class Watch:
    """During an attack: the server's held connections and RSS every 0.25 s, and an honest
    client's GET /healthz every 0.2 s."""

    def __init__(self, server):
        self.server = server
        self.stop_ = threading.Event()
        self.held = []
        self.rss = []
        self.latencies = []
        self.failures = 0
        self.hwm_before = server.status("VmHWM")
        self.threads = [threading.Thread(target=self.sample), threading.Thread(target=self.honest)]
        for t in self.threads:
            t.start()

    def sample(self):
        while not self.stop_.wait(0.25):
            try:
                self.held.append(self.server.held())
                self.rss.append(self.server.status("VmRSS"))
            except OSError:
                pass

    def honest(self):
        while not self.stop_.wait(0.2):
            started = time.monotonic()
            try:
                with socket.create_connection(("127.0.0.1", self.server.port), timeout=5,
                                              source_address=(HONEST, 0)) as s:
                    s.sendall(head("GET", "/healthz"))
                    ok = read_response(s, 5) == 200
            except OSError:
                ok = False
            if ok:
                self.latencies.append(time.monotonic() - started)
            else:
                self.failures += 1

    def finish(self):
        self.stop_.set()
        for t in self.threads:
            t.join()
        self.hwm_after = self.server.status("VmHWM")

    def row(self, name, note=""):
        lat = sorted(self.latencies)

        def ms(x):
            return f"{x * 1000:.1f}" if x is not None else "-"

        p50 = statistics.median(lat) if lat else None
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else None
        return {
            "attack": name,
            "held_max": max(self.held, default=0),
            "held_end": self.held[-1] if self.held else 0,
            "hwm": self.hwm_after // 1024,
            "growth": (self.hwm_after - self.hwm_before) // 1024,
            "honest": f"{ms(p50)} / {ms(p99)} / {ms(lat[-1] if lat else None)}",
            "answered": f"{len(lat)}/{len(lat) + self.failures}",
            "note": note,
        }


def raise_files(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        raise SystemExit(f"this shell may open {soft} files; the attacks need {need} (ulimit -n)")


def addresses(count, per_address):
    """Source addresses for count connections: 127.0.0.1 for all (per_address 0), else
    per_address each from 127.0.0.10 up."""
    if not per_address:
        return ["127.0.0.1"] * count
    return [f"127.0.{10 + i // per_address // 240}.{10 + (i // per_address) % 240}"
            for i in range(count)]


def slow_heads(args, count, per_address, seconds):
    """count connections sending a request head a byte a second, reconnecting when closed."""
    server = Server(args, f"slow-heads-{count}-{per_address or 'one'}")
    text = b"GET /healthz HTTP/1.1\r\nHost: zsz.stress\r\nX-Slow: " + b"a" * 100000
    srcs = addresses(count, per_address)
    socks = [None] * count
    pos = [0] * count
    opened = closed = 0
    watch = Watch(server)
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            tick = time.monotonic()
            for i in range(count):
                s = socks[i]
                if s is None:
                    s = socket.socket()
                    s.setblocking(False)
                    try:
                        s.bind((srcs[i], 0))
                        s.connect_ex(("127.0.0.1", server.port))
                    except OSError:
                        s.close()
                        continue
                    socks[i], pos[i] = s, 0
                    opened += 1
                    continue
                state = poke(s, text[pos[i]:pos[i] + 1])
                if state < 0:
                    s.close()
                    socks[i] = None
                    closed += 1
                else:
                    pos[i] += state
            time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    finally:
        watch.finish()
        for s in socks:
            if s is not None:
                s.close()
        server.stop()
    who = f"{-(-count // per_address)} addresses" if per_address else "one address"
    return watch.row(f"{count:,} slow request heads, {who}, {seconds} s",
                     f"{opened:,} connections opened, {closed:,} closed by the server")


def bodies(args, chunked, seconds):
    """8 connections at a time announcing 60 MB bodies without a token and sending them as
    fast as the server reads; again when answered."""
    server = Server(args, "chunked" if chunked else "bodies")
    statuses = {}
    biggest = [0]
    lock = threading.Lock()
    end = time.monotonic() + seconds
    chunk = b"x" * (1 << 20)

    def attack(i):
        path = "/api/v1/processes" if chunked or i % 2 == 0 else "/api/v1/surveys/1/responses/import"
        hdrs = {"Content-Type": "application/json"}
        if chunked:
            hdrs["Transfer-Encoding"] = "chunked"
        else:
            hdrs["Content-Length"] = str(ANNOUNCED)
        while time.monotonic() < end:
            sent = 0
            status = None
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
                    s.sendall(head("POST", path, hdrs))
                    try:
                        while sent < ANNOUNCED and time.monotonic() < end:
                            if chunked:
                                s.sendall(b"100000\r\n" + chunk + b"\r\n")
                            else:
                                s.sendall(chunk)
                            sent += len(chunk)
                    except OSError:
                        pass
                    status = read_status(s, 5)
            except OSError:
                pass
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                biggest[0] = max(biggest[0], sent)

    watch = Watch(server)
    threads = [threading.Thread(target=attack, args=(i,)) for i in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        watch.finish()
        server.stop()
    kind = "chunked (no length)" if chunked else "announced (Content-Length)"
    answers = ", ".join(f"{n:,} x {s or 'none'}" for s, n in sorted(statuses.items(), key=str))
    return watch.row(f"8 x 60 MB bodies at a time, {kind}, no token, {seconds} s",
                     f"answers {answers}; at most {biggest[0] / 1048576:.1f} MiB sent on one "
                     "connection before the answer")


def idle_keep_alive(args, count, per_address, seconds):
    """count keep-alive connections, each asking GET /healthz once, then idle."""
    server = Server(args, f"idle-{count}")
    srcs = addresses(count, per_address)
    socks = []
    answered = 0
    watch = Watch(server)
    try:
        for src in srcs:
            try:
                s = socket.create_connection(("127.0.0.1", server.port), timeout=5,
                                             source_address=(src, 0))
                socks.append(s)
                s.sendall(head("GET", "/healthz"))
                if read_response(s, 5) == 200:
                    answered += 1
            except OSError:
                pass
        opened_at = time.monotonic()
        closed_early = None
        while time.monotonic() - opened_at < seconds:
            time.sleep(0.25)
            if closed_early is None and time.monotonic() - opened_at > 2:
                closed_early = sum(1 for s in socks if closed(s))
    finally:
        watch.finish()
        still = sum(1 for s in socks if not closed(s))
        for s in socks:
            s.close()
        server.stop()
    return watch.row(f"{count:,} idle keep-alive connections, {-(-count // per_address)} addresses, {seconds} s",
                     f"{answered:,} answered once; {closed_early or 0:,} closed within 2 s, "
                     f"{still:,} still open at the end")


def closed(s):
    """The server closed s (end of stream or reset). Reads nothing it does not discard."""
    timeout = s.gettimeout()
    s.setblocking(False)  # with a timeout, Python would wait for data
    try:
        return s.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError as e:
        return e.errno != errno.ENOTCONN
    finally:
        s.settimeout(timeout)


def poke(s, byte):
    """Sends byte on a non-blocking socket: 1 sent, 0 not now (still connecting, or the
    buffer is full), -1 closed by the server."""
    if closed(s):
        return -1
    try:
        return s.send(byte)
    except BlockingIOError:
        return 0
    except OSError as e:
        return 0 if e.errno == errno.ENOTCONN else -1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--logs", required=True)
    p.add_argument("--port", type=int, default=18280)
    args = p.parse_args()
    raise_files(2100 + 200)
    rows = []
    runs = [
        lambda: slow_heads(args, 1500, 0, 25),
        lambda: slow_heads(args, 1500, 32, 25),
        lambda: bodies(args, False, 15),
        lambda: bodies(args, True, 10),
        lambda: idle_keep_alive(args, 1030, 32, 20),
        lambda: idle_keep_alive(args, 2100, 32, 20),
    ]
    for run in runs:
        row = run()
        rows.append(row)
        print(f"{row['attack']}: held at most {row['held_max']:,} connections ({row['held_end']:,} at "
              f"the end); peak memory {row['hwm']} MiB (+{row['growth']} MiB); honest /healthz "
              f"p50/p99/max {row['honest']} ms, {row['answered']} answered; {row['note']}",
              flush=True)
    print()
    print("| attack | connections held (max / end) | server peak memory | honest /healthz p50 / p99 / max | honest answered |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['attack']} | {r['held_max']:,} / {r['held_end']:,} | {r['hwm']} MiB "
              f"(+{r['growth']}) | {r['honest']} ms | {r['answered']} |")
    for r in rows:
        print(f"- {r['attack']}: {r['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
