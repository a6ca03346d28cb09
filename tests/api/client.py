"""Helpers for the black-box API tests: HTTP, tokens, unique test data, psql, assertions.

Standard library, plus python3-yaml and python3-jsonschema for contract.py, which checks
every answer api() receives against openapi/openapi.yaml. Environment (set by scripts/test.sh):

  ZSZ_TEST_BASE_URL   base URL of the running server (default http://127.0.0.1:18080)
  ZSZ_JWT_SECRET      the HS256 secret the server was started with
  ZSZ_DATABASE_URL    libpq URL of the test database, as the schema owner (zsz_owner)
  ZSZ_BIN             path of the zsz-api binary (for the `token` sub-command)
  ZSZ_TEST_PG_DIR     cluster directory, and
  ZSZ_TEST_PG_SCRIPT  `$ZSZ_TEST_PG_SCRIPT stop|start|restart $ZSZ_TEST_PG_DIR`
  ZSZ_TEST_CONTRACT   report: list contract violations after the run instead of failing
                      the tests that received them (default: strict)
"""

import base64
import concurrent.futures
import datetime
import decimal
import gzip
import hashlib
import hmac
import http.client
import itertools
import json
import os
import random
import re
import subprocess
import threading
import time
import unittest
import urllib.parse

from . import contract

BASE_URL = os.environ.get("ZSZ_TEST_BASE_URL", "http://127.0.0.1:18080").rstrip("/")
JWT_SECRET = os.environ.get("ZSZ_JWT_SECRET", "")
DATABASE_URL = os.environ.get("ZSZ_DATABASE_URL", "")
ZSZ_BIN = os.environ.get("ZSZ_BIN", "")
PG_DIR = os.environ.get("ZSZ_TEST_PG_DIR", "")
PG_SCRIPT = os.environ.get("ZSZ_TEST_PG_SCRIPT", "")
HTTP_TIMEOUT = float(os.environ.get("ZSZ_TEST_HTTP_TIMEOUT", "30"))

_base = urllib.parse.urlsplit(BASE_URL)
if _base.scheme not in ("http", ""):
    raise SystemExit(f"ZSZ_TEST_BASE_URL must be an http:// URL, not {BASE_URL!r}")
HOST = _base.hostname or "127.0.0.1"
PORT = _base.port or 80
PATH_PREFIX = _base.path.rstrip("/")

PROBLEM_BASE = "https://zsz.example/problems/"
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$")
ETAG_RE = re.compile(r'^"[^"]+"$')

ROLES = ("president", "plenipotentiary", "process_owner", "iod", "auditor", "employee")

# Names of the seeded demo users (db/seed/0001_demo.sql). Tokens for these subjects carry the
# same names, so the tests never overwrite the seeded names through the user upsert.
DEMO_NAMES = {
    "krakow.president": "Jan Nowak (Prezydent)",
    "krakow.plenipotentiary": "Agnieszka Górecka (Pełnomocnik)",
    "krakow.process_owner": "Łukasz Żółkiewski (Właściciel procesu)",
    "krakow.iod": "Małgorzata Śliwińska (IOD)",
    "krakow.auditor": "Piotr Wójcik (Audytor)",
    "krakow.employee": "Zofia Kowalczyk (Pracownik)",
    "lublin.president": "Krzysztof Zięba (Prezydent)",
    "lublin.plenipotentiary": "Ewa Lis (Pełnomocnik)",
    "lublin.process_owner": "Tomasz Ząbek (Właściciel procesu)",
    "lublin.iod": "Anna Dąbrowska (IOD)",
    "lublin.auditor": "Marek Sęk (Audytor)",
    "lublin.employee": "Katarzyna Łęcka (Pracownik)",
}


class ServerUnreachable(ConnectionError):
    """The server is not listening: every test that talks HTTP fails with this."""


# --------------------------------------------------------------------------- HTTP


class Headers:
    """Response headers, looked up case-insensitively; repeated headers are kept."""

    def __init__(self, pairs):
        self._pairs = list(pairs)

    def get_all(self, name):
        n = name.lower()
        return [v for k, v in self._pairs if k.lower() == n]

    def get(self, name, default=None):
        values = self.get_all(name)
        return ", ".join(values) if values else default

    def __getitem__(self, name):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name):
        return bool(self.get_all(name))

    def items(self):
        return list(self._pairs)

    def __repr__(self):
        return "Headers(%r)" % (self._pairs,)


class Response(tuple):
    """(status, headers, body) with the request kept for failure messages: .method, .path,
    .raw (the body bytes)."""

    def __new__(cls, status, headers, body, raw=b"", method="", path=""):
        self = tuple.__new__(cls, (status, headers, body))
        self.raw = raw
        self.method = method
        self.path = path
        return self

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    body = property(lambda self: self[2])

    def describe(self):
        body = self.body
        text = json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body
        if len(text) > 1500:
            text = text[:1500] + "..."
        return f"{self.method} {self.path} -> {self.status}: {text}"


_NO_BODY = object()


def _decode_body(raw, content_type):
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if "json" in (content_type or "").lower():
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def api(method, path, token=None, body=_NO_BODY, raw_body=None, headers=None, timeout=None, settle=True):
    """One HTTP request on a fresh connection (safe from several threads).

    body: a JSON value sent as application/json (omit for no body; pass raw_body="null" to
    send JSON null). raw_body: bytes or str sent as-is (Content-Type application/json unless
    headers say otherwise). headers: extra headers; a value of None removes a default one.
    settle: a GET of the change feed (without wait=) first waits until the feed serves every
    write committed before it (feed_settled): a test reads the feed as a client that wants its
    own writes, which the feed holds back while an older transaction is open anywhere (a job's,
    another server's). settle=False reads it as it stands (a test holding a transaction open).
    Returns Response (status, headers, parsed JSON or text)."""
    if settle and method == "GET" and path.startswith("/api/v1/changes") and "wait=" not in path:
        feed_settled()
    hdrs = {}
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"
    data = None
    if raw_body is not None:
        data = raw_body if isinstance(raw_body, bytes) else raw_body.encode("utf-8")
        hdrs["Content-Type"] = "application/json"
    elif body is not _NO_BODY:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        hdrs["Content-Type"] = "application/json"
    for k, v in (headers or {}).items():
        for existing in [e for e in hdrs if e.lower() == k.lower()]:
            del hdrs[existing]
        if v is not None:
            hdrs[k] = v
    url = PATH_PREFIX + path
    conn = http.client.HTTPConnection(HOST, PORT, timeout=timeout or HTTP_TIMEOUT)
    try:
        try:
            conn.request(method, url, body=data, headers=hdrs)
        except (BrokenPipeError, ConnectionResetError):
            # The server may answer (413) and close before reading a large body; the
            # answer can still be read.
            pass
        except ConnectionRefusedError as e:
            raise ServerUnreachable(
                f"cannot connect to {BASE_URL} ({e}); is zsz-api running? "
                "(scripts/test.sh starts it and sets ZSZ_TEST_BASE_URL)") from None
        try:
            resp = conn.getresponse()
            raw = resp.read()
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as e:
            raise AssertionError(f"{method} {path}: connection dropped without an answer ({e!r})")
        hdr = Headers(resp.getheaders())
        wire_bytes = len(raw)
        if (hdr.get("Content-Encoding") or "").lower() == "gzip":
            raw = gzip.decompress(raw)  # the body as sent before encoding; wire_bytes keeps the size
        response = Response(resp.status, hdr, _decode_body(raw, hdr.get("Content-Type")), raw,
                            method, path)
        response.wire_bytes = wire_bytes
    finally:
        conn.close()
    # Every answer with a JSON body is checked against the contract (contract.py): one that
    # does not match its schema fails the test that received it.
    contract.check(response)
    return response


def qs(**params):
    """Query string (with leading '?') from keyword arguments; None values are left out."""
    items = [(k, v) for k, v in params.items() if v is not None]
    return ("?" + urllib.parse.urlencode(items)) if items else ""


def with_query(path, **params):
    extra = qs(**params)
    if not extra:
        return path
    return path + ("&" + extra[1:] if "?" in path else extra)


def server_reachable():
    try:
        api("GET", "/healthz", timeout=5)
        return True, ""
    except ServerUnreachable as e:
        return False, str(e)
    except Exception as e:  # noqa: BLE001 - only a diagnostic
        return False, repr(e)


def parse_link_next(link_header):
    """The target of rel="next" in a Link header, as a path with query, or None."""
    if not link_header:
        return None
    for part in link_header.split(","):
        m = re.match(r'\s*<([^>]*)>\s*;(.*)$', part)
        if m and re.search(r'rel\s*=\s*"?next"?', m.group(2)):
            target = urllib.parse.urlsplit(m.group(1))
            path = target.path
            if PATH_PREFIX and path.startswith(PATH_PREFIX):
                path = path[len(PATH_PREFIX):]
            return path + ("?" + target.query if target.query else "")
    return None


def run_concurrently(fns, timeout=60):
    """Runs the callables at the same moment (a barrier releases them together) and returns
    their results in order. An exception in one is re-raised."""
    barrier = threading.Barrier(len(fns))

    def wrap(fn):
        barrier.wait(timeout)
        return fn()

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(fns)) as pool:
        futures = [pool.submit(wrap, fn) for fn in fns]
        return [f.result(timeout) for f in futures]


# --------------------------------------------------------------------------- tokens


def b64url(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(obj):
    return b64url(json.dumps(obj, separators=(",", ":"), ensure_ascii=False))


def sign_jwt(payload, header=None, secret=None, digest=hashlib.sha256):
    """A JWS compact token: base64url(header).base64url(payload).HMAC(secret)."""
    header = header if header is not None else {"alg": "HS256", "typ": "JWT"}
    signing_input = f"{b64url_json(header)}.{b64url_json(payload)}"
    key = (secret if secret is not None else JWT_SECRET).encode("utf-8")
    sig = hmac.new(key, signing_input.encode("ascii"), digest).digest()
    return f"{signing_input}.{b64url(sig)}"


def claims(sub, org="krakow", roles=(), name=None, unit=None, ttl=3600, now=None,
           omit=(), **extra):
    """JWT claims: sub, name, org, roles, iat, exp (+ optional unit and extra claims).
    roles=None leaves the roles claim out; name=None uses the seeded demo name (or the sub);
    omit names claims to drop."""
    now = int(time.time()) if now is None else now
    c = {"sub": sub, "name": name if name is not None else DEMO_NAMES.get(sub, sub),
         "org": org, "iat": now, "exp": now + ttl}
    if roles is not None:
        c["roles"] = list(roles)
    if unit is not None:
        c["unit"] = unit
    c.update(extra)
    for k in omit:
        c.pop(k, None)
    return c


def make_token(sub, org="krakow", roles=(), name=None, unit=None, ttl=3600, omit=(), **extra):
    return sign_jwt(claims(sub, org, roles, name, unit, ttl, omit=omit, **extra))


def role_token(role, org="krakow", sub=None, **kw):
    """Token of the demo user `<org>.<role>`; the employee has no roles claim entries."""
    roles = [] if role == "employee" else [role]
    return make_token(sub or f"{org}.{role}", org=org, roles=roles, **kw)


def plenipotentiary(org="krakow"):
    return role_token("plenipotentiary", org)


def president(org="krakow"):
    return role_token("president", org)


def owner(org="krakow"):
    return role_token("process_owner", org)


def employee(org="krakow"):
    return role_token("employee", org)


OWNER_SUB = "krakow.process_owner"
OTHER_OWNER_SUB = "krakow.process_owner_other"


def other_owner(org="krakow"):
    """A process owner who owns none of the processes the tests use."""
    return make_token(f"{org}.process_owner_other", org=org, roles=["process_owner"],
                      name="Inny Właściciel (test)")


# Bad tokens, each for an otherwise valid employee of krakow.

def bad_token_alg_none():
    header = {"alg": "none", "typ": "JWT"}
    return f"{b64url_json(header)}.{b64url_json(claims('krakow.employee'))}."


def bad_token_rs256_header():
    """RS256 in the header, signed with HMAC-SHA256 and the shared secret (alg confusion)."""
    return sign_jwt(claims("krakow.employee"), header={"alg": "RS256", "typ": "JWT"})


def bad_token_hs512():
    return sign_jwt(claims("krakow.employee"), header={"alg": "HS512", "typ": "JWT"},
                    digest=hashlib.sha512)


def bad_token_wrong_secret():
    return sign_jwt(claims("krakow.employee"), secret="not-the-secret-" + "x" * 40)


def bad_token_tampered():
    """A valid token whose payload was changed after signing (roles raised)."""
    good = role_token("employee")
    h, _, s = good.split(".")
    forged = claims("krakow.employee", roles=["plenipotentiary"])
    return f"{h}.{b64url_json(forged)}.{s}"


def bad_token_expired():
    """Expired 10 minutes ago: far beyond the 60 s leeway."""
    now = int(time.time())
    return sign_jwt(claims("krakow.employee", now=now - 4200, ttl=3600))


def token_expired_within_leeway():
    """Expired 20 s ago: inside the 60 s leeway, so accepted."""
    now = int(time.time())
    return sign_jwt(claims("krakow.employee", now=now - 3620, ttl=3600))


def bad_token_nbf_future():
    now = int(time.time())
    return sign_jwt(claims("krakow.employee", nbf=now + 600))


def token_nbf_within_leeway():
    now = int(time.time())
    return sign_jwt(claims("krakow.employee", nbf=now + 20))


def bad_token_missing_exp():
    return sign_jwt(claims("krakow.employee", omit=("exp",)))


def bad_token_missing_sub():
    return sign_jwt(claims("krakow.employee", omit=("sub",)))


def bad_token_missing_org():
    return sign_jwt(claims("krakow.employee", omit=("org",)))


# --------------------------------------------------------------------------- unique data

RUN = random.randint(100, 999)
_RUN2 = random.randint(1, 9999)
_counter = itertools.count(1)
_counter_lock = threading.Lock()


def _next():
    with _counter_lock:
        return next(_counter)


def uniq(prefix="t"):
    """A short unique token for codes and names: letters, digits, '-'."""
    return f"{prefix}{RUN}x{_RUN2}-{_next()}{random.choice('abcdefghjkmnpqrstuvwxyz')}"


def kr_code(prefix="GR"):
    """A fresh Kraków process code: `GR 9nnn.nnnn.n` (each number at most 4 digits)."""
    return f"{prefix} 9{RUN}.{_RUN2}.{_next()}"


def lu_code(prefix="PZ", sep="."):
    """A fresh Lublin process code: `PZ.9nnn.nnnn.n` or `PG 9nnn.nnnn.n`."""
    return f"{prefix}{sep}9{RUN}.{_RUN2}.{_next()}"


# --------------------------------------------------------------------------- resources


def expect(resp, *statuses):
    """Asserts the status (any of statuses) and returns the body."""
    if resp.status not in statuses:
        raise AssertionError(f"expected {'/'.join(map(str, statuses))}: {resp.describe()}")
    return resp.body


def ensure_user(token):
    """Calls GET /me so the caller is recorded as a user; returns the /me body."""
    return expect(api("GET", "/api/v1/me", token), 200)


def create_org_unit(token=None, org="krakow", **fields):
    body = {"code": uniq("ou-"), "name": f"Komórka testowa {uniq('')}"}
    body.update(fields)
    return expect(api("POST", "/api/v1/org-units", token or plenipotentiary(org), body), 201)


def create_process(token=None, org="krakow", **fields):
    body = {"code": kr_code() if org == "krakow" else lu_code(),
            "name": f"Proces testowy {uniq('')}"}
    body.update(fields)
    return expect(api("POST", "/api/v1/processes", token or plenipotentiary(org), body), 201)


def create_owned_process(**fields):
    """A fresh Kraków process owned by krakow.process_owner."""
    fields.setdefault("owner", OWNER_SUB)
    fields.setdefault("description", "Opis pierwotny procesu.")
    return create_process(**fields)


def create_change_request(process_id, token=None, **fields):
    body = {"proposed_description": f"Nowy opis {uniq('')}",
            "reason": "Aktualizacja opisu po przeglądzie procesu"}
    body.update(fields)
    return expect(api("POST", f"/api/v1/processes/{process_id}/change-requests",
                      token or owner(), body), 201)


# --------------------------------------------------------------------------- objectives (issue 3)

OBJECTIVES = "/api/v1/objectives"
INDICATORS = "/api/v1/indicators"
SIX_TWO_TWO = ("planned_actions", "resources", "due_date", "evaluation_method")
HEALTHS = ("off_track", "at_risk", "no_data", "on_track", "achieved")  # worst first
THIRD_OWNER_SUB = "krakow.process_owner_third"


def third_owner(org="krakow"):
    """A third process owner: neither responsible for nor owner of anything the tests use."""
    return make_token(f"{org}.process_owner_third", org=org, roles=["process_owner"],
                      name="Trzeci Właściciel (test)")


def auditor(org="krakow"):
    return role_token("auditor", org)


def iod(org="krakow"):
    return role_token("iod", org)


def today_utc():
    return datetime.datetime.now(datetime.timezone.utc).date()


def current_year():
    return today_utc().year


def obj_code(prefix="cel-"):
    """A fresh objective code: 1..32 of [A-Za-z0-9._-]."""
    return uniq(prefix)


def objective_path(o):
    return f"{OBJECTIVES}/{o['id'] if isinstance(o, dict) else o}"


def indicator_path(i):
    return f"{INDICATORS}/{i['id'] if isinstance(i, dict) else i}"


def reading_path(i, period):
    return f"{indicator_path(i)}/readings/{period}"


def create_objective(token=None, org="krakow", **fields):
    """A fresh draft objective (year: the current one unless given)."""
    body = {"code": obj_code(), "year": current_year(), "title": f"Cel testowy {uniq('')}"}
    body.update(fields)
    return expect(api("POST", OBJECTIVES, token or plenipotentiary(org), body), 201)


def transition_objective(o, to, token=None, headers=None, **extra):
    """POST .../transitions; returns the Response."""
    return api("POST", f"{objective_path(o)}/transitions", token or plenipotentiary(),
               {"to": to, **extra}, headers=headers)


def propose_objective(o, org="krakow"):
    return expect(transition_objective(o, "proposed", plenipotentiary(org)), 200)


def approve_objective(o, org="krakow"):
    """draft -> proposed (plenipotentiary) -> approved (president); returns the objective."""
    propose_objective(o, org)
    return expect(transition_objective(o, "approved", president(org)), 200)


def create_approved_objective(org="krakow", **fields):
    return approve_objective(create_objective(org=org, **fields), org)


def create_revision(o, token=None, **fields):
    body = {"changes": {"planned_actions": f"Nowe działania {uniq('')}"},
            "reason": "Zmiana po przeglądzie kierownictwa"}
    body.update(fields)
    return expect(api("POST", f"{objective_path(o)}/revisions", token or plenipotentiary(),
                      body), 201)


def create_indicator(o, token=None, org="krakow", **fields):
    """A fresh indicator: increase from 0 to 100, quarterly, unless fields say otherwise."""
    body = {"name": f"Wskaźnik {uniq('')}", "unit": "%", "direction": "increase",
            "baseline": "0", "target": "100", "frequency": "quarterly"}
    if fields.get("direction") == "range":
        body.pop("target")
        body.pop("baseline")
    body.update(fields)
    oid = o["id"] if isinstance(o, dict) else o
    return expect(api("POST", f"{OBJECTIVES}/{oid}/indicators", token or plenipotentiary(org),
                      body), 201)


def put_reading(i, period, value, token=None, headers=None, **fields):
    """PUT a reading; returns the Response."""
    body = {"value": value}
    body.update(fields)
    return api("PUT", reading_path(i, period), token or plenipotentiary(), body, headers=headers)


def record_reading(i, period, value, token=None, **fields):
    return expect(put_reading(i, period, value, token, **fields), 200, 201)


def reviews_path(p):
    return f"/api/v1/processes/{p['id'] if isinstance(p, dict) else p}/reviews"


def review_path(p, rv):
    return f"{reviews_path(p)}/{rv['id'] if isinstance(rv, dict) else rv}"


def create_review(p, period, token=None, **fields):
    body = {"period": period}
    body.update(fields)
    return expect(api("POST", reviews_path(p), token or owner(), body), 201)


def transition_review(p, rv, to, token=None, headers=None, **extra):
    return api("POST", f"{review_path(p, rv)}/transitions", token or owner(), {"to": to, **extra},
               headers=headers)


def dec(value):
    """A decimal answer (JSON string or number) as decimal.Decimal; None stays None."""
    if value is None:
        return None
    return decimal.Decimal(str(value))


def get_etag(path, token=None):
    r = api("GET", path, token or plenipotentiary())
    expect(r, 200)
    etag = r.headers.get("ETag")
    if not etag:
        raise AssertionError(f"no ETag: {r.describe()}")
    return etag


def parse_ts(value):
    """An RFC 3339 UTC timestamp as an aware datetime."""
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def items_of(body):
    """The items of a list answer ({"items": [...]}) or a bare JSON array."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return body["items"]
    raise AssertionError(f"not a list answer: {body!r}")


def list_all(path, token=None, max_pages=200, **params):
    """Follows next_cursor until null; returns every item."""
    token = token or plenipotentiary()
    params.setdefault("limit", 200)
    out, cursor = [], None
    for _ in range(max_pages):
        r = api("GET", with_query(path, cursor=cursor, **params), token)
        body = expect(r, 200)
        out.extend(items_of(body))
        cursor = body.get("next_cursor") if isinstance(body, dict) else None
        if not cursor:
            return out
    raise AssertionError(f"{path}: more than {max_pages} pages")


# --------------------------------------------------------------------------- PostgreSQL


def psql(sql, timeout=60):
    """Runs SQL (several statements allowed) through psql as the schema owner. Returns
    CompletedProcess; stdout holds unaligned tuples only (-A -t -q)."""
    if not DATABASE_URL:
        raise unittest.SkipTest("ZSZ_DATABASE_URL is not set")
    return subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", DATABASE_URL, "-f", "-"],
        input=sql, capture_output=True, text=True, timeout=timeout)


def psql_value(sql):
    """The last output line of sql, which must succeed."""
    cp = psql(sql)
    if cp.returncode != 0:
        raise AssertionError(f"psql failed ({cp.returncode}): {cp.stderr.strip()}\nSQL: {sql}")
    lines = [ln for ln in cp.stdout.splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def feed_settled(timeout=10):
    """Waits until the change feed serves every write committed before this call. The feed
    serves an entry only once no older transaction is open anywhere in the cluster (a job's,
    another server's, a held one), so a read right after a write may briefly miss the write's
    entry. An xid taken now (its transaction commits at once) and then awaited below the oldest
    running one: every transaction that was open when the call began has ended. No-op without
    ZSZ_DATABASE_URL."""
    if not DATABASE_URL:
        return
    cp = psql("SELECT set_config('zsz.barrier', pg_current_xact_id()::text, false) \\g /dev/null\n"
              "DO $$ BEGIN\n"
              f"  FOR i IN 1..{int(timeout * 20)} LOOP\n"
              "    EXIT WHEN pg_snapshot_xmin(pg_current_snapshot()) > current_setting('zsz.barrier')::xid8;\n"
              "    PERFORM pg_sleep(0.05);\n"
              "  END LOOP;\n"
              "END $$;\n", timeout=timeout + 30)
    if cp.returncode != 0:
        raise AssertionError(f"feed_settled: {cp.stderr.strip()}")


def pg_cluster(action, timeout=120):
    """start | stop | restart the test cluster with the project's pg script."""
    if not (PG_SCRIPT and PG_DIR):
        raise unittest.SkipTest("ZSZ_TEST_PG_SCRIPT / ZSZ_TEST_PG_DIR are not set")
    cp = subprocess.run([PG_SCRIPT, action, PG_DIR], capture_output=True, text=True,
                        timeout=timeout)
    if cp.returncode != 0:
        raise AssertionError(f"{PG_SCRIPT} {action} {PG_DIR} failed ({cp.returncode}): "
                             f"{cp.stdout}{cp.stderr}")


# --------------------------------------------------------------------------- assertions


class ApiTest(unittest.TestCase):
    """Base class: assertion helpers that always look at the body."""

    maxDiff = 4000

    def assertStatus(self, resp, *statuses):
        if resp.status not in statuses:
            self.fail(f"expected {'/'.join(map(str, statuses))}: {resp.describe()}")
        return resp.body

    def assertJsonObject(self, resp, status=200):
        self.assertStatus(resp, status)
        ctype = resp.headers.get("Content-Type", "")
        self.assertIn("application/json", ctype, f"Content-Type of {resp.describe()}")
        self.assertIsInstance(resp.body, dict, resp.describe())
        return resp.body

    def assertList(self, resp):
        body = self.assertJsonObject(resp, 200)
        self.assertIsInstance(body.get("items"), list, resp.describe())
        self.assertIn("next_cursor", body, resp.describe())
        nc = body["next_cursor"]
        self.assertTrue(nc is None or (isinstance(nc, str) and nc), resp.describe())
        return body

    def assertProblem(self, resp, status, kind, field=None, fields=()):
        """A problem+json answer of this status and kind; field/fields must be named in
        errors[].field. Returns the body."""
        self.assertStatus(resp, status)
        ctype = resp.headers.get("Content-Type", "")
        self.assertTrue(ctype.startswith("application/problem+json"),
                        f"Content-Type {ctype!r} of {resp.describe()}")
        body = resp.body
        self.assertIsInstance(body, dict, resp.describe())
        self.assertEqual(body.get("type"), PROBLEM_BASE + kind, resp.describe())
        self.assertEqual(body.get("status"), status, resp.describe())
        self.assertIsInstance(body.get("title"), str, resp.describe())
        rid = body.get("request_id")
        self.assertIsInstance(rid, str, resp.describe())
        self.assertTrue(rid, resp.describe())
        header_rid = resp.headers.get("X-Request-Id")
        if header_rid is not None:
            self.assertEqual(rid, header_rid, "request_id differs from X-Request-Id")
        wanted = ([field] if field else []) + list(fields)
        if wanted:
            errors = body.get("errors")
            self.assertIsInstance(errors, list, resp.describe())
            named = [e.get("field") for e in errors if isinstance(e, dict)]
            for f in wanted:
                self.assertIn(f, named, f"errors[].field should name {f!r}: {resp.describe()}")
            for e in errors:
                self.assertIsInstance(e.get("message"), str, resp.describe())
                self.assertTrue(e.get("message"), resp.describe())
        return body

    def assertNamesField(self, body, field, resp=None):
        """The problem names field: in errors[].field, or else in detail."""
        named = [e.get("field") for e in (body.get("errors") or []) if isinstance(e, dict)]
        where = resp.describe() if resp is not None else repr(body)
        self.assertTrue(field in named or field in str(body.get("detail", "")),
                        f"the problem should name {field!r}: {where}")

    def assertFieldsStartWith(self, body, prefix, resp=None):
        """Some errors[].field is prefix or starts with prefix followed by '.' or '['."""
        named = [e.get("field") or "" for e in (body.get("errors") or []) if isinstance(e, dict)]
        ok = any(f == prefix or f.startswith(prefix + ".") or f.startswith(prefix + "[")
                 for f in named)
        self.assertTrue(ok, f"errors[].field should name {prefix!r} or a part of it: "
                            f"{resp.describe() if resp is not None else body}")

    def assertNamesOneOf(self, body, fields, resp=None):
        """errors[].field names at least one of fields (where the spec leaves open which of
        two related members a rule is reported on)."""
        named = [e.get("field") for e in (body.get("errors") or []) if isinstance(e, dict)]
        self.assertTrue(any(f in named for f in fields),
                        f"errors[].field should name one of {list(fields)}: "
                        f"{resp.describe() if resp is not None else body}")

    def assertDecimal(self, value, expected, msg=None):
        """value (a JSON string or number) equals expected (numerically)."""
        self.assertIsNotNone(value, msg)
        self.assertEqual(dec(value), decimal.Decimal(str(expected)), msg)

    def assertForbidden(self, resp):
        return self.assertProblem(resp, 403, "forbidden")

    def assertNotFound(self, resp):
        return self.assertProblem(resp, 404, "not-found")

    def assertUnauthorized(self, resp):
        body = self.assertProblem(resp, 401, "unauthorized")
        www = resp.headers.get("WWW-Authenticate", "")
        self.assertTrue(www.startswith("Bearer"), f"WWW-Authenticate {www!r}: {resp.describe()}")
        self.assertIn('error="invalid_token"', www, resp.describe())
        return body

    def assertEtag(self, resp):
        etag = resp.headers.get("ETag")
        self.assertIsNotNone(etag, f"no ETag: {resp.describe()}")
        self.assertRegex(etag, ETAG_RE)
        return etag

    def assertTimestamp(self, value, what="timestamp"):
        self.assertIsInstance(value, str, what)
        self.assertRegex(value, RFC3339_UTC, what)

    def assertIds(self, items, expected_ids, msg=""):
        self.assertEqual(sorted(i["id"] for i in items), sorted(expected_ids), msg)


# --------------------------------------------------------------------------- incidents (issue 4)

INCIDENTS = "/api/v1/incidents"
BREACH_REGISTER = f"{INCIDENTS}/breach-register"
INCIDENT_STATS = f"{INCIDENTS}/stats"
DEADLINE_RULES = "/api/v1/deadline-rules"
IOD_SUB = "krakow.iod"
EMPLOYEE_SUB = "krakow.employee"
OTHER_EMPLOYEE_SUB = "krakow.employee_other"
INCIDENT_TYPES = ("personal_data_breach", "cyber", "it_failure", "physical", "other")
DEADLINE_RULE_NAMES = ("uodo", "csirt", "subjects")
DEFAULT_RULES = {"uodo": 72, "csirt": 24, "subjects": 72}
# The full record (docs/design-incidents.md, "Incident record").
INCIDENT_FIELDS = ("id", "number", "title", "description", "kind", "categories", "type",
                   "occurred_at", "detected_at", "reported_at", "reporter", "source",
                   "affected_systems", "affected_org_unit_ids", "severity", "status",
                   "status_reason", "resolution", "lessons_learned", "evidence", "breach",
                   "ksc", "deadlines", "created_at", "updated_at")
# What the reporter (without a role that sees more) gets of its own reports.
REPORTER_VIEW = ("id", "number", "title", "status", "reported_at")
BREACH_MEMBERS = ("aware_at", "breach_nature", "data_categories", "subjects_count",
                  "records_count", "likely_consequences", "measures_taken", "risk_level",
                  "uodo_notified_at", "uodo_reference", "uodo_supplements",
                  "uodo_not_notified_reason", "uodo_late_reason", "subjects_notified_at",
                  "subjects_notification_method", "subjects_exemption",
                  "subjects_exemption_justification")
KSC_MEMBERS = ("csirt", "public_task_affected", "people_affected", "duration",
               "csirt_reported_at", "csirt_reference", "csirt_supplements")
NUMBER_RE = re.compile(r"^INC/(\d{4})/(\d{4,})$")
UTC = datetime.timezone.utc


def other_employee(org="krakow"):
    """An employee (no roles) who reported none of the incidents the tests use."""
    return make_token(f"{org}.employee_other", org=org, roles=[], name="Inny Pracownik (test)")


def now_utc():
    return datetime.datetime.now(UTC).replace(microsecond=0)


def ts(dt):
    """A datetime as the server returns it: RFC 3339, UTC, to the second, `+00:00`."""
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


def ago(**delta):
    """ts(now - timedelta(**delta)); a negative delta is in the future."""
    return ts(now_utc() - datetime.timedelta(**delta))


def hours_after(value, hours):
    """ts(value + hours), value an RFC 3339 string with any offset."""
    return ts(datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
              + datetime.timedelta(hours=hours))


def incident_path(i):
    return f"{INCIDENTS}/{i['id'] if isinstance(i, dict) else i}"


def incident_number(i):
    """(year, sequence) of an incident's number."""
    m = NUMBER_RE.match(i["number"] if isinstance(i, dict) else i)
    if not m:
        raise AssertionError(f"not an incident number: {i!r}")
    return int(m.group(1)), int(m.group(2))


def incident_body(**fields):
    body = {"title": f"Zdarzenie {uniq('')}", "type": "other", "detected_at": ago(hours=3)}
    body.update(fields)
    return body


def create_incident(token=None, org="krakow", **fields):
    """A fresh incident reported by token (default: the organisation's employee)."""
    return expect(api("POST", INCIDENTS, token or employee(org), incident_body(**fields)), 201)


def default_breach(**members):
    b = {"aware_at": ago(hours=2), "breach_nature": "unauthorised_disclosure",
         "data_categories": ["PESEL", "adres"], "subjects_count": 12, "records_count": 40,
         "likely_consequences": "Ryzyko kradzieży tożsamości.",
         "measures_taken": "Zablokowano konto, zmieniono hasła.", "risk_level": "risk"}
    b.update(members)
    return b


def create_breach(org="krakow", breach=None, **fields):
    """A fresh personal data breach reported by the IOD with a breach section (default: risk,
    aware 2 h ago, detected 3 h ago)."""
    fields.setdefault("type", "personal_data_breach")
    fields["breach"] = default_breach() if breach is None else breach
    return create_incident(iod(org), org, **fields)


def get_incident(i, token=None):
    return expect(api("GET", incident_path(i), token or iod()), 200)


def patch_incident(i, body, token=None, etag=None):
    path = incident_path(i)
    return api("PATCH", path, token or iod(), body,
               headers={"If-Match": etag or get_etag(path, iod())})


def transition_incident(i, to, token=None, headers=None, **extra):
    return api("POST", f"{incident_path(i)}/transitions", token or iod(), {"to": to, **extra},
               headers=headers)


def move_incident(i, *steps, **extra_by_step):
    """Walks the incident through steps (each a target status) as the IOD; the body of a step
    gets the fields the workflow needs (a reason, a resolution, lessons learned) unless given
    in extra_by_step[<to>]. Returns the last answer's body."""
    needs = {"dismissed": {"reason": "Zgłoszenie nie dotyczy incydentu."},
             "resolved": {"resolution": "Przywrócono działanie."},
             "closed": {"lessons_learned": "Szkolenie pracowników."}}
    body = None
    for to in steps:
        extra = extra_by_step.get(to, needs.get(to, {}))
        body = expect(transition_incident(i, to, **extra), 200)
    return body


def timeline_path(i):
    return f"{incident_path(i)}/timeline"


def add_timeline(i, token=None, **fields):
    body = {"at": ago(minutes=30), "kind": "note", "text": f"Wpis {uniq('')}"}
    body.update(fields)
    return expect(api("POST", timeline_path(i), token or iod(), body), 201)


def deadline_of(incident, rule):
    for d in incident.get("deadlines") or []:
        if d.get("rule") == rule:
            return d
    raise AssertionError(f"no {rule} deadline in {incident.get('deadlines')!r}")


def get_rules(org="krakow"):
    return expect(api("GET", DEADLINE_RULES, iod(org)), 200)


def put_rules(rules, org="krakow"):
    return expect(api("PUT", DEADLINE_RULES, iod(org), dict(rules)), 200)


class rules_set:
    """with rules_set(uodo=1): the organisation's deadline rules changed for the block, then
    put back as they were."""

    def __init__(self, org="krakow", **rules):
        self.org = org
        self.rules = rules

    def __enter__(self):
        current = get_rules(self.org)
        self.before = {k: current[k] for k in DEADLINE_RULE_NAMES}
        put_rules(dict(self.before, **self.rules), self.org)
        return self

    def __exit__(self, *exc):
        put_rules(self.before, self.org)
        return False


def newest_incident_id(org="krakow"):
    """The id of the newest incident the IOD sees (the list is newest first), or None."""
    items = items_of(expect(api("GET", with_query(INCIDENTS, limit=1), iod(org)), 200))
    return items[0]["id"] if items else None


# --------------------------------------------------------------------------- surveys (issue 5)

SURVEYS = "/api/v1/surveys"
PUBLIC_SURVEYS = "/api/v1/public/surveys"
SURVEY_KINDS = ("external_customers", "employees", "ad_hoc")
QUESTION_TYPES = ("scale_1_5", "yes_no", "single_choice", "multi_choice", "text")
RESPONDENT_TYPES = ("choice", "org_unit", "process")
ACCESS_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ACCESS_CODE_RE = re.compile(r"^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{12}$")
PUBLIC_ID_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")
SURVEY_FIELDS = ("id", "title", "kind", "year", "process_ids", "org_unit_ids", "questions",
                 "respondent_fields", "opens_at", "closes_at", "target_mean", "min_group_size",
                 "access_codes_required", "status", "public_id", "response_count",
                 "created_at", "updated_at")
PUBLIC_SURVEY_FIELDS = ("public_id", "title", "questions", "respondent_fields", "closes_at",
                        "access_codes_required")
# Years the survey modules keep to themselves, because closing a survey writes readings to
# every survey-fed indicator of the organisation with the same kind and year, and the
# comparison looks for the previous closed survey of the same kind in any earlier year.
# Default surveys: the current year. test_survey_indicators: 2050..2069. test_survey_results
# (comparison): 2078..2085 (kind employees). The auto-closing survey: 2099 (kind ad_hoc).
AUTO_CLOSE_YEAR = 2099


def scale_q(key="q1", **fields):
    q = {"key": key, "text": f"Jak ocenia Pan/Pani {key}?", "type": "scale_1_5"}
    q.update(fields)
    return q


def choice_q(key, options, type_="single_choice", **fields):
    q = {"key": key, "text": f"Wybór {key}", "type": type_,
         "options": [{"key": o, "text": f"Opcja {o} – źdźbło"} for o in options]}
    q.update(fields)
    return q


def yes_no_q(key, **fields):
    q = {"key": key, "text": f"Czy {key}?", "type": "yes_no"}
    q.update(fields)
    return q


def text_q(key, **fields):
    q = {"key": key, "text": f"Uwagi ({key})", "type": "text"}
    q.update(fields)
    return q


def choice_rf(key, options):
    return {"key": key, "text": f"Grupa {key}", "type": "choice",
            "options": [{"key": o, "text": f"Grupa {o}"} for o in options]}


def in_days(days):
    """ts(now + days): an RFC 3339 UTC timestamp days ahead (negative: in the past)."""
    return ts(now_utc() + datetime.timedelta(days=days))


def survey_body(**fields):
    """A valid create body: one optional scale question, open a day ago, closing in 60 days,
    kind external_customers, the current year."""
    body = {"title": f"Badanie satysfakcji {uniq('')}", "kind": "external_customers",
            "year": current_year(), "questions": [scale_q("q1")],
            "opens_at": in_days(-1), "closes_at": in_days(60)}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def survey_path(s):
    return f"{SURVEYS}/{s['id'] if isinstance(s, dict) else s}"


def public_path(s):
    return f"{PUBLIC_SURVEYS}/{s['public_id'] if isinstance(s, dict) else s}"


def create_survey(token=None, org="krakow", **fields):
    return expect(api("POST", SURVEYS, token or plenipotentiary(org), survey_body(**fields)), 201)


def get_survey(s, token=None, org="krakow"):
    return expect(api("GET", survey_path(s), token or plenipotentiary(org)), 200)


def patch_survey(s, body, token=None, etag=None, org="krakow"):
    path = survey_path(s)
    return api("PATCH", path, token or plenipotentiary(org), body,
               headers={"If-Match": etag or get_etag(path, plenipotentiary(org))})


def transition_survey(s, to, token=None, headers=None, org="krakow", **extra):
    return api("POST", f"{survey_path(s)}/transitions", token or plenipotentiary(org),
               {"to": to, **extra}, headers=headers)


def open_survey(s, org="krakow"):
    return expect(transition_survey(s, "open", org=org), 200)


def close_survey(s, org="krakow"):
    return expect(transition_survey(s, "closed", org=org), 200)


def create_open_survey(org="krakow", **fields):
    return open_survey(create_survey(org=org, **fields), org)


def submit(s, answers=None, respondent=None, access_code=None, token=None, **extra):
    """POST a response to the public route (no token unless given); returns the Response."""
    body = {"answers": answers if answers is not None else {}}
    if respondent is not None:
        body["respondent"] = respondent
    if access_code is not None:
        body["access_code"] = access_code
    body.update(extra)
    return api("POST", f"{public_path(s)}/responses", token, body)


def respond(s, answers, respondent=None, access_code=None):
    return expect(submit(s, answers, respondent, access_code), 201)


def import_path(s, dry_run=None):
    return with_query(f"{survey_path(s)}/responses/import",
                      dry_run=None if dry_run is None else ("true" if dry_run else "false"))


def import_json(s, rows, dry_run=None, token=None, org="krakow"):
    return api("POST", import_path(s, dry_run), token or plenipotentiary(org), rows)


def import_csv(s, text, dry_run=None, token=None, content_type="text/csv", org="krakow"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return api("POST", import_path(s, dry_run), token or plenipotentiary(org), raw_body=data,
               headers={"Content-Type": content_type})


def generate_codes(s, count, token=None):
    return api("POST", f"{survey_path(s)}/access-codes", token or plenipotentiary(),
               {"count": count})


def results_path(s):
    return f"{survey_path(s)}/results"


def texts_path(s, question):
    return with_query(f"{survey_path(s)}/results/texts", question=question)


def survey_results(s, token=None, org="krakow"):
    return expect(api("GET", results_path(s), token or plenipotentiary(org)), 200)


def num(value):
    """A results number (JSON number or decimal string) as float; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise AssertionError(f"a number, not {value!r}")
    return float(decimal.Decimal(str(value)))


def mean_of(values):
    return sum(values) / len(values) if values else None


def scale_stats(values, target=4.0):
    """The exact (unrounded) statistics the spec defines for a scale question's 1..5 answers."""
    n = len(values)
    mean = mean_of(values)
    sd = ci = None
    if n >= 2:
        sd = (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5
        half = 1.96 * sd / n ** 0.5
        ci = [mean - half, mean + half]
    return {"n": n, "mean": mean, "sd": sd, "ci95": ci,
            "distribution": {str(k): values.count(k) for k in range(1, 6)},
            "share_4_5": (values.count(4) + values.count(5)) / n if n else None,
            "below_target": (mean < target) if n else None}


class AutoClose:
    """The survey that closes by itself (test_surveys.py, slow): created as early as the first
    survey module starts, so the wait for the server's minute check overlaps other tests.
    Kind ad_hoc, year AUTO_CLOSE_YEAR, closes_at a few seconds after creation, two responses
    (5 and 4), and a survey-fed yearly indicator of an objective of that year."""
    survey = None
    indicator = None
    error = None
    SECONDS = 8

    @classmethod
    def start(cls):
        if cls.survey is not None or cls.error is not None:
            return
        try:
            o = create_objective(year=AUTO_CLOSE_YEAR)
            cls.indicator = create_indicator(o, source="survey", survey_kind="ad_hoc",
                                             survey_question=None, frequency="yearly",
                                             baseline="3", target="5")
            s = create_survey(kind="ad_hoc", year=AUTO_CLOSE_YEAR,
                              title=f"Samozamykające {uniq('')}",
                              closes_at=ts(now_utc() + datetime.timedelta(seconds=cls.SECONDS)))
            s = open_survey(s)
            respond(s, {"q1": 5})
            respond(s, {"q1": 4})
            cls.survey = s
        except Exception as e:  # noqa: BLE001 - reported by the test that needs it
            cls.error = e


# --------------------------------------------------------------------------- audits (issue 6)

APPOINTMENTS = "/api/v1/auditor-appointments"
PROGRAMMES = "/api/v1/audit-programmes"
AUDITS = "/api/v1/audits"
NONCONFORMITIES = "/api/v1/nonconformities"
NC_STATS = f"{NONCONFORMITIES}/stats"
AUDITOR_SUB = "krakow.auditor"
PRESIDENT_SUB = "krakow.president"
PLENIPOTENTIARY_SUB = "krakow.plenipotentiary"
AUDIT_KINDS = ("quality", "information_security", "integrated")
QUALIFICATIONS = ("iso9001", "iso27001", "iso14001")
# what an audit of each kind needs of its team (docs/design-audits.md, "appointed for an audit")
KIND_NEEDS = {"quality": ("iso9001",), "information_security": ("iso27001",),
              "integrated": ("iso9001", "iso27001")}
CLAUSE_9001 = "ISO 9001:2015 8.5.1"
CLAUSE_27001 = "ISO/IEC 27001:2022 A.5.24"
CLAUSE_14001 = "ISO 14001:2015 9.2"
BAD_CLAUSES = ("ISO 9001:2015 11.1", "ISO/IEC 27001:2022 A.5.38")
KIND_CRITERIA = {"quality": [CLAUSE_9001], "information_security": [CLAUSE_27001],
                 "integrated": [CLAUSE_9001, CLAUSE_27001]}
FINDING_KINDS = ("major_nonconformity", "minor_nonconformity", "observation",
                 "opportunity_for_improvement", "good_practice")
NC_SOURCES = ("internal_audit", "external_audit", "complaint", "management_review",
              "process_monitoring", "incident", "other")
NC_STATUSES = ("open", "analysis", "action_plan", "implementation", "verification", "closed",
               "cancelled")
ACTION_TYPES = ("correction", "corrective", "preventive", "improvement")
NC_NUMBER_RE = re.compile(r"^NC/(\d{4})/(\d{3,})$")
APPOINTMENT_FIELDS = ("id", "year", "auditor", "order_ref", "qualifications", "valid_from",
                      "valid_to", "status", "revoked_reason", "created_at", "updated_at")
PROGRAMME_FIELDS = ("year", "objectives", "risks_considered", "status", "version",
                    "return_reason", "approved_versions", "audits", "created_at", "updated_at")
PROGRAMME_AUDIT_FIELDS = ("id", "code", "kind", "status", "planned_start", "planned_end",
                          "lead_auditor")
AUDIT_FIELDS = ("id", "code", "year", "kind", "scope_process_ids", "scope_org_unit_ids",
                "criteria", "planned_start", "planned_end", "lead_auditor", "team", "auditees",
                "status", "status_reason", "report", "reported_at", "created_at", "updated_at")
FINDING_FIELDS = ("id", "audit_id", "kind", "clause", "process_id", "description", "evidence",
                  "created_by", "nonconformity_id", "created_at")
NC_FIELDS = ("id", "number", "source", "source_ref", "audit_id", "finding_id", "severity",
             "process_id", "owner", "description", "correction", "root_cause", "status",
             "status_reason", "round", "effectiveness", "history", "actions", "days_open",
             "overdue", "created_at", "closed_at", "updated_at")
ACTION_FIELDS = ("id", "type", "description", "responsible", "due_date", "status", "done_at",
                 "note", "overdue")

# Audit years. Every audit belongs to its year's programme, and a programme's state (approved,
# submitted) changes what planning an audit does to it, so each test module (and each
# programme test) takes a year of its own: one without a programme yet (GET 404), from 2099
# down, never the current year (the demo seed plans that one). Years handed out are not handed
# out again. A full run takes about 35 of the 99 years, so a database holds two full runs (and
# scripts/test.sh starts from a fresh one).
_AUDIT_YEAR_CANDIDATES = [y for y in range(2099, 1999, -1)
                          if y != datetime.datetime.now(datetime.timezone.utc).year]
_audit_years_taken = set()
_audit_year_lock = threading.Lock()


def free_audit_year():
    """A year with no audit programme in krakow (so no audits either), not yet handed out."""
    with _audit_year_lock:
        for y in _AUDIT_YEAR_CANDIDATES:
            if y in _audit_years_taken:
                continue
            _audit_years_taken.add(y)
            r = api("GET", f"{PROGRAMMES}/{y}", plenipotentiary())
            if r.status == 404:
                return y
            expect(r, 200)
    raise AssertionError("no free audit year left between 2000 and 2099: reset the database")


def appointment_path(a):
    return f"{APPOINTMENTS}/{a['id'] if isinstance(a, dict) else a}"


def appointment_body(auditor_sub, year, qualifications=QUALIFICATIONS, **fields):
    body = {"year": year, "auditor": auditor_sub,
            "order_ref": f"Zarządzenie nr {_next()}/{year}/P",
            "qualifications": list(qualifications),
            "valid_from": f"{year}-01-01", "valid_to": f"{year}-12-31"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def appoint(auditor_sub, year, qualifications=QUALIFICATIONS, token=None, org="krakow", **fields):
    """An active appointment (by the plenipotentiary unless token says otherwise)."""
    return expect(api("POST", APPOINTMENTS, token or plenipotentiary(org),
                      appointment_body(auditor_sub, year, qualifications, **fields)), 201)


def revoke_appointment(a, token=None, reason="Odwołanie z funkcji audytora"):
    return api("POST", f"{appointment_path(a)}/transitions", token or president(),
               {"to": "revoked", "reason": reason})


class Auditor:
    """A user with role auditor (or the given roles): sub, token, appointment (or None)."""

    def __init__(self, sub, token, appointment=None):
        self.sub = sub
        self.token = token
        self.appointment = appointment

    def __repr__(self):
        return f"Auditor({self.sub!r})"


def new_auditor(year=None, qualifications=QUALIFICATIONS, roles=("auditor",), unit=None,
                name=None, org="krakow", **appointment_fields):
    """A fresh auditor of org (recorded through GET /me), appointed for year (when given)."""
    sub = f"{org}.{uniq('aud')}"
    token = make_token(sub, org=org, roles=list(roles), name=name or f"Audytor testowy {sub}",
                       unit=unit)
    ensure_user(token)
    appointment = None
    if year is not None:
        appointment = appoint(sub, year, qualifications, org=org, **appointment_fields)
    return Auditor(sub, token, appointment)


def demo_auditor(year, qualifications=QUALIFICATIONS):
    """krakow.auditor appointed for year."""
    token = auditor()
    ensure_user(token)
    return Auditor(AUDITOR_SUB, token, appoint(AUDITOR_SUB, year, qualifications))


def programme_path(year):
    return f"{PROGRAMMES}/{year}"


def put_programme(year, token=None, headers=None, **fields):
    body = {"objectives": f"Cele programu {uniq('')}", "risks_considered": "Ryzyka procesów."}
    body.update(fields)
    return api("PUT", programme_path(year), token or plenipotentiary(),
               {k: v for k, v in body.items() if v is not ...}, headers=headers)


def get_programme(year, token=None):
    return expect(api("GET", programme_path(year), token or plenipotentiary()), 200)


def transition_programme(year, to, token=None, headers=None, **extra):
    return api("POST", f"{programme_path(year)}/transitions", token or plenipotentiary(),
               {"to": to, **extra}, headers=headers)


def approve_programme(year):
    """Submits (plenipotentiary) and approves (president) the year's programme; returns it."""
    expect(transition_programme(year, "submitted"), 200)
    return expect(transition_programme(year, "approved", president()), 200)


def audit_path(a):
    return f"{AUDITS}/{a['id'] if isinstance(a, dict) else a}"


def sub_of(member):
    return member.sub if isinstance(member, Auditor) else member


def audit_body(year, team, lead=None, kind="quality", **fields):
    """A valid create body: team (Auditors or subs; the first leads unless lead is given),
    scope a fresh process of krakow.process_owner unless scope fields are given, the criteria
    of the kind, planned 10..12 March of year."""
    team = [sub_of(m) for m in team]
    body = {"code": uniq("AU/"), "year": year, "kind": kind,
            "criteria": list(KIND_CRITERIA.get(kind, [CLAUSE_9001])),
            "planned_start": f"{year}-03-10", "planned_end": f"{year}-03-12",
            "lead_auditor": sub_of(lead) if lead is not None else team[0], "team": team,
            "auditees": ["Kierownik Wydziału Obsługi Urzędu", "Specjalista – Łódź"]}
    if "scope_process_ids" not in fields and "scope_org_unit_ids" not in fields:
        body["scope_process_ids"] = [create_owned_process()["id"]]
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def post_audit(year, team, token=None, **fields):
    return api("POST", AUDITS, token or plenipotentiary(), audit_body(year, team, **fields))


def create_audit(year, team, token=None, **fields):
    return expect(post_audit(year, team, token, **fields), 201)


def get_audit(a, token=None):
    return expect(api("GET", audit_path(a), token or plenipotentiary()), 200)


def patch_audit(a, body, token=None, etag=None):
    path = audit_path(a)
    return api("PATCH", path, token or plenipotentiary(), body,
               headers={"If-Match": etag or get_etag(path)})


def transition_audit(a, to, token=None, headers=None, **extra):
    return api("POST", f"{audit_path(a)}/transitions", token or plenipotentiary(),
               {"to": to, **extra}, headers=headers)


def report_body(**fields):
    r = {"summary": "Audit potwierdził skuteczność procesu.", "strong_points": "Zaangażowanie.",
         "areas_to_improve": "Nadzór nad dokumentami.", "conclusion": "System jest skuteczny."}
    r.update(fields)
    return {k: v for k, v in r.items() if v is not ...}


def start_audit(a, lead):
    """planned -> in_progress by the lead (an Auditor or its token)."""
    token = lead.token if isinstance(lead, Auditor) else lead
    return expect(transition_audit(a, "in_progress", token), 200)


def findings_path(a):
    return f"{audit_path(a)}/findings"


def finding_path(a, f):
    return f"{findings_path(a)}/{f['id'] if isinstance(f, dict) else f}"


def finding_body(kind="observation", clause=CLAUSE_9001, **fields):
    body = {"kind": kind, "clause": clause, "description": f"Ustalenie {uniq('')}",
            "evidence": {"text": "Wywiad z kierownikiem; przegląd akt.",
                         "documents": [{"znak_sprawy": "WOU-I.0123.4.2090",
                                        "document_id": "DOC-1"}]}}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def post_finding(a, member, **fields):
    token = member.token if isinstance(member, Auditor) else member
    return api("POST", findings_path(a), token, finding_body(**fields))


def create_finding(a, member, **fields):
    return expect(post_finding(a, member, **fields), 201)


def nc_path(n):
    return f"{NONCONFORMITIES}/{n['id'] if isinstance(n, dict) else n}"


def nc_number(n):
    """(year, sequence) of a nonconformity's number."""
    m = NC_NUMBER_RE.match(n["number"] if isinstance(n, dict) else n)
    if not m:
        raise AssertionError(f"not a nonconformity number: {n!r}")
    return int(m.group(1)), int(m.group(2))


def nc_body(process_id, **fields):
    body = {"source": "process_monitoring", "source_ref": "Monitoring wskaźników",
            "severity": "minor", "process_id": process_id,
            "description": f"Niezgodność {uniq('')}", "correction": "Poprawiono rejestr."}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def create_nc(process_id=None, token=None, org="krakow", **fields):
    """A fresh nonconformity (by the plenipotentiary) of process_id (default: a fresh process
    of krakow.process_owner)."""
    if process_id is None:
        process_id = create_owned_process()["id"] if org == "krakow" else \
            create_process(org=org, owner=f"{org}.process_owner")["id"]
    return expect(api("POST", NONCONFORMITIES, token or plenipotentiary(org),
                      nc_body(process_id, **fields)), 201)


def get_nc(n, token=None):
    return expect(api("GET", nc_path(n), token or plenipotentiary()), 200)


def patch_nc(n, body, token=None, etag=None):
    path = nc_path(n)
    return api("PATCH", path, token or plenipotentiary(), body,
               headers={"If-Match": etag or get_etag(path)})


def transition_nc(n, to, token=None, headers=None, **extra):
    return api("POST", f"{nc_path(n)}/transitions", token or plenipotentiary(),
               {"to": to, **extra}, headers=headers)


def actions_path(n):
    return f"{nc_path(n)}/actions"


def action_path(n, a):
    return f"{actions_path(n)}/{a['id'] if isinstance(a, dict) else a}"


def action_body(**fields):
    body = {"type": "corrective", "description": f"Działanie {uniq('')}",
            "responsible": OWNER_SUB, "due_date": (today_utc() + datetime.timedelta(days=30))
            .isoformat()}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def add_action(n, token=None, **fields):
    return expect(api("POST", actions_path(n), token or plenipotentiary(), action_body(**fields)),
                  201)


def action_of(n, a, token=None):
    """The action as listed by GET .../actions."""
    aid = a["id"] if isinstance(a, dict) else a
    for x in items_of(expect(api("GET", actions_path(n), token or plenipotentiary()), 200)):
        if x["id"] == aid:
            return x
    raise AssertionError(f"action {aid} not listed under {nc_path(n)}")


def action_etag(n, a):
    """The If-Match value for PATCH .../actions/{action_id}: the ETag of GET
    .../actions/{action_id} (the action's own revision)."""
    return get_etag(action_path(n, a))


def patch_action(n, a, body, token=None, etag=None):
    return api("PATCH", action_path(n, a), token or plenipotentiary(), body,
               headers={"If-Match": etag or action_etag(n, a)})


def walk_nc(n, *steps, token=None):
    """Walks a nonconformity through steps as token (default: the plenipotentiary), supplying
    what each step needs: a root cause and a corrective action before implementation, every
    action done before verification. Returns the last answer's body."""
    token = token or plenipotentiary()
    body = None
    for to in steps:
        if to == "implementation":
            cur = get_nc(n)
            if not cur["root_cause"]:
                expect(patch_nc(n, {"root_cause": "Brak instrukcji stanowiskowej."}), 200)
            if not any(a["type"] == "corrective" for a in cur["actions"]):
                add_action(n)
        if to == "verification":
            for a in get_nc(n)["actions"]:
                if a["status"] != "done":
                    expect(patch_action(n, a, {"status": "done", "note": "Wykonano."}), 200)
        body = expect(transition_nc(n, to, token), 200)
    return body
