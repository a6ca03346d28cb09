"""GET /docs (issue 15): the contract rendered for people by Redoc, vendored at a pinned
version in openapi/docs/ and served by the server itself (no CDN), with `servers` set to the
address the browser used. Loaded in headless Chromium (Debian's `chromium`, installed by
scripts/test.sh stage a), every operation of the contract is listed on the page."""

import base64
import hashlib
import html
import os
import shutil
import subprocess
import tempfile

from . import contract
from .client import BASE_URL, ApiTest, api

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUNDLE = os.path.join(ROOT, "openapi", "docs", "redoc.standalone.js")
METHODS = ("get", "put", "post", "patch", "delete")


def operations():
    """(operationId, summary) of every operation of the contract."""
    doc = contract.contract()
    return [(op["operationId"], op.get("summary", "")) for item in doc["paths"].values()
            for m, op in item.items() if m in METHODS]


class DocsTest(ApiTest):
    def test_page_loads_only_from_this_server(self):
        r = api("GET", "/docs")
        self.assertStatus(r, 200)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("text/html"))
        page = r.raw.decode("utf-8")
        self.assertIn('<script src="docs/redoc.standalone.js"></script>', page)
        self.assertIn("openapi.json", page)
        self.assertNotIn("http://", page)
        self.assertNotIn("https://", page)
        csp = r.headers.get("Content-Security-Policy", "")
        self.assertIn("default-src 'none'", csp)
        self.assertIn("connect-src 'self'", csp)
        self.assertRegex(csp, r"script-src 'self' 'sha256-[A-Za-z0-9+/]{43}='")
        # the hash is the inline script's, so the browser runs it (and nothing injected)
        inline = page.split('<script src="docs/redoc.standalone.js"></script>\n<script>', 1)[1]
        inline = inline.split("</script>", 1)[0]
        want = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        self.assertIn(f"'sha256-{want}'", csp)

    def test_bundle_is_the_vendored_file(self):
        r = api("GET", "/docs/redoc.standalone.js")
        self.assertStatus(r, 200)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("text/javascript"))
        with open(BUNDLE, "rb") as f:
            vendored = f.read()
        self.assertEqual(hashlib.sha256(r.raw).hexdigest(), hashlib.sha256(vendored).hexdigest())
        self.assertEqual(hashlib.sha256(vendored).hexdigest(),
                         "dcaf76612bc4a3fbcc923a8966dee2f6146a5f32e5ce1b6f02dd60cbbf89500b",
                         "Redoc 2.5.4 as published (redoc@2.5.4 bundles/redoc.standalone.js); a new "
                         "version is a deliberate change of this pin")

    def test_headless_chromium_lists_every_operation(self):
        browser = shutil.which("chromium")
        if browser is None:
            self.skipTest("chromium is not installed (scripts/test.sh stage a installs it)")
        with tempfile.TemporaryDirectory() as profile:
            p = subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu",
                                "--disable-dev-shm-usage", "--no-first-run", f"--user-data-dir={profile}",
                                "--enable-logging=stderr", "--v=0", "--virtual-time-budget=30000",
                                "--dump-dom", f"{BASE_URL}/docs"],
                               capture_output=True, text=True, timeout=180)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        dom = html.unescape(p.stdout)
        ops = operations()
        self.assertGreater(len(ops), 90)
        missing = [op_id for op_id, _ in ops if f"operation/{op_id}" not in dom]
        self.assertEqual(missing, [], "every operation has its section on the page")
        unnamed = [s for _, s in ops if s and s not in dom]
        self.assertEqual(unnamed, [], "every operation's summary is shown")
        # servers: the address the page was loaded from, not the contract's 127.0.0.1:8080
        self.assertTrue(f"<span>{BASE_URL}</span>/api/v1/processes" in dom,
                        f"the endpoints are shown on {BASE_URL}")
        self.assertFalse("127.0.0.1:8080" in dom and not BASE_URL.endswith(":8080"),
                         "the contract's own servers entry is replaced")
        # nothing came from elsewhere: the CSP refused what Redoc would fetch from its CDN
        console = [line for line in p.stderr.splitlines() if "CONSOLE" in line]
        self.assertFalse([line for line in console if "Uncaught" in line], console)
