"""A second zsz-api server for tests that need settings of their own (a small rate limit, a
log level, small connection limits): `zsz-api serve` on a free loopback port, on the test
database, stopped when the test ends."""

import os
import socket
import subprocess
import tempfile
import time

from .client import DATABASE_URL, JWT_SECRET, ZSZ_BIN


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return s.recv(16).startswith(b"HTTP/1.1 200")


class SecondServer:
    """Started in __init__ with the test's own ZSZ_* settings (inherited ones are dropped);
    test.addCleanup stops it. The server's output is kept for output() and lines()."""

    def __init__(self, test, **settings):
        if not ZSZ_BIN or not os.access(ZSZ_BIN, os.X_OK):
            test.skipTest("ZSZ_BIN is not an executable")
        if not DATABASE_URL or not JWT_SECRET:
            test.skipTest("ZSZ_DATABASE_URL / ZSZ_JWT_SECRET are not set")
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZSZ_") or k.startswith("ZSZ_TEST_")}
        env.update(ZSZ_BIND="127.0.0.1", ZSZ_PORT=str(self.port), ZSZ_DATABASE_URL=DATABASE_URL,
                   ZSZ_JWT_SECRET=JWT_SECRET, ZSZ_LOG_LEVEL="warning")
        env.update(settings)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([ZSZ_BIN, "serve"], env=env, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        test.addCleanup(self.stop)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                test.fail(f"second server exited with {self.proc.returncode}: {self.output()}")
            try:
                if _ready(self.port):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        test.fail(f"second server not ready within 30 s: {self.output()}")

    def output(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-3000:]

    def lines(self):
        self.log.seek(0)
        return self.log.read().split(b"\n")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
