"""Operations endpoints: health, readiness, Prometheus metrics and the OpenAPI document."""

import re

from .client import ApiTest, api, create_process, employee

DESIGN_PATHS = {
    "/healthz": {"get"},
    "/readyz": {"get"},
    "/metrics": {"get"},
    "/openapi.json": {"get"},
    "/api/v1/me": {"get"},
    "/api/v1/organisation": {"get"},
    "/api/v1/users": {"get"},
    "/api/v1/users/{sub}": {"get", "patch"},
    "/api/v1/org-units": {"get", "post"},
    "/api/v1/org-units/{id}": {"get", "patch"},
    "/api/v1/processes": {"get", "post"},
    "/api/v1/processes/{id}": {"get", "patch", "delete"},
    "/api/v1/processes/{id}/transitions": {"post"},
    "/api/v1/processes/{id}/versions": {"get"},
    "/api/v1/processes/{id}/change-requests": {"get", "post"},
    "/api/v1/processes/{id}/change-requests/{cr_id}": {"get"},
    "/api/v1/processes/{id}/change-requests/{cr_id}/transitions": {"post"},
    "/api/v1/changes": {"get"},
}

PROBLEM_KINDS = ("malformed-json", "invalid-parameter", "invalid-cursor", "unauthorized",
                 "forbidden", "unknown-organisation", "not-found", "method-not-allowed",
                 "conflict", "invalid-transition", "payload-too-large", "unsupported-media-type",
                 "validation", "precondition-failed", "precondition-required",
                 "service-unavailable", "internal")


def shape(path):
    """Path with its parameter names erased: /a/{id}/b/{x} -> /a/{}/b/{}."""
    return re.sub(r"\{[^}]*\}", "{}", path)


class HealthTest(ApiTest):
    def test_healthz(self):
        r = api("GET", "/healthz")
        self.assertEqual(self.assertJsonObject(r), {"status": "ok"})

    def test_readyz(self):
        r = api("GET", "/readyz")
        self.assertStatus(r, 200)
        self.assertTrue(r.body, "readyz says something")
        if isinstance(r.body, dict):
            self.assertIn(r.body.get("status"), ("ok", "ready"), r.describe())

    def test_health_needs_no_token_and_ignores_a_bad_one(self):
        r = api("GET", "/healthz", token="garbage")
        self.assertEqual(self.assertJsonObject(r), {"status": "ok"})


class MetricsTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.process = create_process()
        api("GET", "/api/v1/processes", employee())
        api("GET", f"/api/v1/processes/{cls.process['id']}", employee())
        api("GET", "/api/v1/processes/987654321", employee())
        r = api("GET", "/metrics")
        cls.response = r
        cls.text = r.body if isinstance(r.body, str) else r.raw.decode("utf-8", "replace")

    def _samples(self, name):
        return [ln for ln in self.text.splitlines() if ln.startswith(name + "{")
                or ln.startswith(name + " ")]

    def test_metrics_is_prometheus_text(self):
        self.assertStatus(self.response, 200)
        self.assertTrue(self.response.headers.get("Content-Type", "").startswith("text/plain"),
                        self.response.headers.items())
        self.assertIn("# TYPE zsz_http_requests_total counter", self.text)

    def test_request_counter_has_route_and_status_labels(self):
        lines = self._samples("zsz_http_requests_total")
        self.assertTrue(lines, self.text[:2000])
        pattern = re.compile(r'^zsz_http_requests_total\{(?=[^}]*route="/api/v1/processes")'
                             r'(?=[^}]*status="200")[^}]*\}\s+\d+(\.\d+)?$')
        self.assertTrue([ln for ln in lines if pattern.match(ln)], "\n".join(lines))
        not_found = [ln for ln in lines if 'status="404"' in ln]
        self.assertTrue(not_found, "a 404 was counted")

    def test_route_label_is_the_template(self):
        lines = self._samples("zsz_http_requests_total")
        self.assertTrue([ln for ln in lines if 'route="/api/v1/processes/{id}"' in ln],
                        "\n".join(lines))
        self.assertFalse([ln for ln in lines if f'/processes/{self.process["id"]}"' in ln],
                         "raw ids in route labels would explode the series count")

    def test_latency_histogram(self):
        buckets = self._samples("zsz_http_request_duration_seconds_bucket")
        self.assertTrue(buckets, self.text[:2000])
        self.assertTrue([b for b in buckets if 'le="+Inf"' in b])
        self.assertTrue(self._samples("zsz_http_request_duration_seconds_count"))
        self.assertTrue(self._samples("zsz_http_request_duration_seconds_sum"))

    def test_pool_gauge(self):
        lines = self._samples("zsz_db_pool_in_use")
        self.assertTrue(lines, self.text[:2000])
        value = float(lines[0].rsplit(" ", 1)[1])
        self.assertGreaterEqual(value, 0)

    def test_counter_grows(self):
        def count():
            text = api("GET", "/metrics").raw.decode()
            total = 0.0
            for ln in text.splitlines():
                if (ln.startswith("zsz_http_requests_total{") and 'route="/api/v1/me"' in ln
                        and 'status="200"' in ln):
                    total += float(ln.rsplit(" ", 1)[1])
            return total
        before = count()
        for _ in range(3):
            self.assertStatus(api("GET", "/api/v1/me", employee()), 200)
        self.assertGreaterEqual(count() - before, 3)


class OpenApiTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.response = api("GET", "/openapi.json")
        cls.doc = cls.response.body

    def test_is_json_openapi_3_1(self):
        self.assertJsonObject(self.response)
        self.assertIsInstance(self.doc.get("openapi"), str)
        self.assertTrue(self.doc["openapi"].startswith("3.1"), self.doc.get("openapi"))
        self.assertIn("title", self.doc.get("info", {}))

    def test_contains_every_design_path_and_method(self):
        self.assertIsInstance(self.doc, dict, self.response.describe())
        paths = self.doc.get("paths", {})
        by_shape = {}
        for p, item in paths.items():
            by_shape.setdefault(shape(p), set()).update(k.lower() for k in item)
        for path, methods in DESIGN_PATHS.items():
            with self.subTest(path=path):
                self.assertIn(shape(path), by_shape, sorted(paths))
                self.assertLessEqual(methods, by_shape[shape(path)])

    def test_uses_brace_parameters(self):
        paths = self.doc.get("paths", {}) if isinstance(self.doc, dict) else {}
        self.assertTrue(paths)
        for p in paths:
            self.assertNotRegex(p, r"/:[A-Za-z_]", "use {id}-style parameters, not :id")

    def test_lists_problem_types(self):
        text = self.response.raw.decode("utf-8", "replace")
        missing = [k for k in PROBLEM_KINDS if k not in text]
        self.assertEqual(missing, [], "problem kinds named in the contract")
