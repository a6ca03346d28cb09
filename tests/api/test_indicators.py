"""Indicators (wskaźniki, docs/design-objectives.md): the targets each direction needs, exact
decimals, the objective statuses that allow writes, PATCH with If-Match."""

from .client import (INDICATORS, OBJECTIVES, OWNER_SUB, ApiTest, api, create_approved_objective,
                     create_indicator, create_objective, employee, ensure_user, get_etag,
                     indicator_path, items_of, owner, plenipotentiary, president,
                     propose_objective, transition_objective, uniq)


def indicators_of(o):
    return f"{OBJECTIVES}/{o['id']}/indicators"


def post(o, body, token=None):
    return api("POST", indicators_of(o), token or plenipotentiary(), body)


def inc(**over):
    body = {"name": f"Wskaźnik {uniq('')}", "unit": "%", "direction": "increase",
            "baseline": "0", "target": "100", "frequency": "quarterly"}
    body.update(over)
    return {k: v for k, v in body.items() if v is not ...}


def patch(i, body, token=None, etag=None):
    return api("PATCH", indicator_path(i), token or plenipotentiary(), body,
               headers={"If-Match": etag or get_etag(indicator_path(i))})


def get_indicator(i):
    r = api("GET", indicator_path(i), employee())
    if r.status != 200:
        raise AssertionError(r.describe())
    return r.body


class CreateTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        cls.o = create_objective()

    def test_increase_indicator(self):
        body = {"name": "Odsetek spraw załatwionych w terminie", "unit": "%",
                "direction": "increase", "baseline": "72.5", "target": "95",
                "frequency": "quarterly", "source": "manual", "responsible": OWNER_SUB}
        r = post(self.o, body)
        i = self.assertJsonObject(r, 201)
        self.assertIsInstance(i["id"], int)
        self.assertTrue(r.headers.get("Location", "").endswith(f"{INDICATORS}/{i['id']}"),
                        r.headers.items())
        self.assertEqual(i["objective_id"], self.o["id"])
        for field, value in body.items():
            self.assertEqual(i[field], value, field)
        self.assertIsNone(i["target_min"])
        self.assertIsNone(i["target_max"])
        self.assertIsNone(i["attainment"])
        self.assertIsNone(i["latest_period"])
        self.assertIsNone(i["latest_value"])
        self.assertIsInstance(i["stale"], bool)
        self.assertEqual(i["health"], "no_data")
        self.assertTimestamp(i["created_at"], "created_at")
        self.assertTimestamp(i["updated_at"], "updated_at")
        r = api("GET", indicator_path(i), employee())
        self.assertEqual(self.assertJsonObject(r), i)
        self.assertEtag(r)

    def test_decrease_indicator(self):
        i = self.assertJsonObject(post(self.o, inc(direction="decrease", baseline="30",
                                                   target="14", unit="dni",
                                                   frequency="monthly")), 201)
        self.assertEqual((i["direction"], i["baseline"], i["target"], i["unit"]),
                         ("decrease", "30", "14", "dni"))
        self.assertEqual(i["source"], "manual", "source defaults to manual")
        self.assertIsNone(i["responsible"])

    def test_range_indicator(self):
        body = {"name": "Temperatura w serwerowni", "unit": "°C", "direction": "range",
                "target_min": "18", "target_max": "24.5", "frequency": "half_yearly"}
        i = self.assertJsonObject(post(self.o, body), 201)
        self.assertEqual(i["direction"], "range")
        self.assertEqual(i["target_min"], "18")
        self.assertEqual(i["target_max"], "24.5")
        self.assertIsNone(i["target"])
        self.assertIsNone(i["baseline"], "baseline is optional for range")
        self.assertEqual(i["unit"], "°C")
        i = self.assertJsonObject(post(self.o, dict(body, baseline="21", target_min="5",
                                                    target_max="5", frequency="yearly")), 201)
        self.assertEqual((i["baseline"], i["target_min"], i["target_max"]), ("21", "5", "5"),
                         "target_min == target_max is allowed")

    def test_required_fields(self):
        r = post(self.o, {})
        self.assertProblem(r, 422, "validation", fields=["name", "direction", "frequency"])
        r = post(self.o, inc(target=...))
        self.assertProblem(r, 422, "validation", field="target")
        r = post(self.o, inc(baseline=...))
        self.assertProblem(r, 422, "validation", field="baseline")
        r = post(self.o, inc(direction="decrease", baseline=..., target="1"))
        self.assertProblem(r, 422, "validation", field="baseline")
        r = post(self.o, {"name": "x", "direction": "range", "frequency": "yearly",
                          "target_max": "5"})
        self.assertProblem(r, 422, "validation", field="target_min")
        r = post(self.o, {"name": "x", "direction": "range", "frequency": "yearly",
                          "target_min": "5"})
        self.assertProblem(r, 422, "validation", field="target_max")

    def test_target_equal_to_baseline_is_422(self):
        for direction in ("increase", "decrease"):
            with self.subTest(direction=direction):
                r = post(self.o, inc(direction=direction, baseline="50", target="50.00"))
                self.assertProblem(r, 422, "validation", field="target")

    def test_target_on_the_wrong_side_is_422(self):
        r = post(self.o, inc(direction="increase", baseline="50", target="49.9"))
        self.assertProblem(r, 422, "validation", field="target")
        r = post(self.o, inc(direction="decrease", baseline="50", target="50.1"))
        self.assertProblem(r, 422, "validation", field="target")
        r = post(self.o, inc(direction="increase", baseline="-10", target="-20"))
        self.assertProblem(r, 422, "validation", field="target")
        i = self.assertJsonObject(post(self.o, inc(direction="increase", baseline="-20",
                                                   target="-10")), 201)
        self.assertEqual((i["baseline"], i["target"]), ("-20", "-10"))

    def test_range_min_above_max_is_422(self):
        r = post(self.o, {"name": "x", "direction": "range", "frequency": "yearly",
                          "target_min": "10.5", "target_max": "10.4"})
        body = self.assertProblem(r, 422, "validation")
        named = {e["field"] for e in body["errors"]}
        self.assertTrue(named & {"target_min", "target_max"}, r.describe())

    def test_targets_of_another_direction_are_422(self):
        r = post(self.o, {"name": "x", "direction": "range", "frequency": "yearly",
                          "target_min": "1", "target_max": "2", "target": "3"})
        self.assertProblem(r, 422, "validation", field="target")
        r = post(self.o, inc(target_min="1", target_max="2"))
        self.assertProblem(r, 422, "validation", fields=["target_min", "target_max"])

    def test_non_numeric_decimals_are_422(self):
        for bad in ("abc", "NaN", "nan", "Infinity", "-Infinity", "1e400", "", " 1", "1,5",
                    "0x10", "1.2.3", True, [1], {"v": 1}):
            with self.subTest(value=bad):
                r = post(self.o, inc(baseline=bad))
                self.assertProblem(r, 422, "validation", field="baseline")

    def test_huge_json_number_is_422(self):
        # a number no double can hold is a non-finite value: 422 naming the member, nothing written
        raw = ('{"name": "overflow-probe", "direction": "increase", "baseline": 0, "target": 1e400, '
               '"frequency": "yearly"}')
        r = api("POST", indicators_of(self.o), plenipotentiary(), raw_body=raw)
        self.assertProblem(r, 422, "validation", field="target")
        listed = api("GET", indicators_of(self.o), plenipotentiary())
        self.assertNotIn("overflow-probe", [i["name"] for i in listed.body["items"]])
        # within range but over the decimal limits: 422 naming the field as well
        r = api("POST", indicators_of(self.o), plenipotentiary(),
                {"name": "x", "direction": "increase", "baseline": 0, "target": 1e300,
                 "frequency": "yearly"})
        self.assertProblem(r, 422, "validation", field="target")
        # a reading too
        r = api("PUT", f"/api/v1/indicators/0/readings/2026", plenipotentiary(), raw_body='{"value": -1e999}')
        self.assertProblem(r, 422, "validation", field="value")

    def test_digit_limits(self):
        ok = "123456789012345678.123456"
        i = self.assertJsonObject(post(self.o, inc(baseline="0", target=ok)), 201)
        self.assertEqual(i["target"], ok)
        for bad in ("1234567890123456789", "1234567890123456789.5", "0.1234567",
                    "1.0000001"):
            with self.subTest(value=bad):
                r = post(self.o, inc(baseline="0", target=bad))
                self.assertProblem(r, 422, "validation", field="target")

    def test_decimals_keep_their_exact_text(self):
        cases = [("12.50", "99.990"), ("0.1", "0.3"), ("-0.000001", "0.000001"),
                 ("123456789012345677.123456", "123456789012345678.123456"),
                 ("0", "100.000000")]
        for baseline, target in cases:
            with self.subTest(baseline=baseline, target=target):
                i = self.assertJsonObject(post(self.o, inc(baseline=baseline, target=target)),
                                          201)
                self.assertEqual((i["baseline"], i["target"]), (baseline, target))
                got = get_indicator(i)
                self.assertEqual((got["baseline"], got["target"]), (baseline, target))
        i = self.assertJsonObject(post(self.o, {"name": "r", "direction": "range",
                                                "frequency": "yearly", "target_min": "1.10",
                                                "target_max": "2.200"}), 201)
        self.assertEqual((i["target_min"], i["target_max"]), ("1.10", "2.200"))

    def test_json_numbers_are_accepted_and_returned_as_strings(self):
        i = self.assertJsonObject(post(self.o, inc(baseline=12.5, target=100)), 201)
        self.assertEqual((i["baseline"], i["target"]), ("12.5", "100"))
        raw = ('{"name": "n", "direction": "increase", "baseline": 0.1, "target": 0.3, '
               '"frequency": "yearly"}')
        i = self.assertJsonObject(api("POST", indicators_of(self.o), plenipotentiary(),
                                      raw_body=raw), 201)
        self.assertEqual((i["baseline"], i["target"]), ("0.1", "0.3"))

    def test_enums_and_lengths(self):
        r = post(self.o, inc(name="n" * 201, unit="u" * 33, direction="up",
                             frequency="weekly", source="import", colour="red"))
        self.assertProblem(r, 422, "validation",
                           fields=["name", "unit", "direction", "frequency", "source",
                                   "colour"])
        r = post(self.o, inc(name=""))
        self.assertProblem(r, 422, "validation", field="name")
        i = self.assertJsonObject(post(self.o, inc(unit="", name="ż" * 200)), 201)
        self.assertEqual((i["unit"], i["name"]), ("", "ż" * 200))

    def test_responsible_must_be_a_user_of_the_organisation(self):
        for sub in ("krakow.nikt-" + uniq(""), "lublin.process_owner"):
            with self.subTest(responsible=sub):
                self.assertProblem(post(self.o, inc(responsible=sub)), 422, "validation",
                                   field="responsible")

    def test_computed_fields_cannot_be_sent(self):
        for field, value in (("attainment", "50"), ("health", "achieved"),
                             ("latest_value", "1"), ("stale", False), ("objective_id", 1)):
            with self.subTest(field=field):
                self.assertProblem(post(self.o, inc(**{field: value})), 422, "validation",
                                   field=field)

    def test_only_plenipotentiary_creates(self):
        for name, token in (("president", president()), ("process_owner", owner()),
                            ("employee", employee())):
            with self.subTest(role=name):
                self.assertForbidden(post(self.o, inc(), token))

    def test_unknown_objective_is_404(self):
        self.assertNotFound(api("POST", f"{OBJECTIVES}/987654321/indicators",
                                plenipotentiary(), inc()))
        self.assertNotFound(api("GET", f"{OBJECTIVES}/987654321/indicators", employee()))
        self.assertNotFound(api("GET", f"{INDICATORS}/987654321", employee()))


class ObjectiveStatusTest(ApiTest):
    """Writes only while the objective is draft, proposed or approved."""

    def test_open_statuses_accept_indicators(self):
        draft = create_objective()
        proposed = propose_objective(create_objective())
        approved = create_approved_objective()
        for o in (draft, proposed, approved):
            with self.subTest(status=o["status"]):
                i = self.assertJsonObject(post(o, inc()), 201)
                self.assertEqual(i["objective_id"], o["id"])
                got = self.assertJsonObject(patch(i, {"name": f"Zmieniony {o['status']}"}))
                self.assertEqual(got["name"], f"Zmieniony {o['status']}")

    def test_closed_and_cancelled_refuse_indicator_writes(self):
        closed = create_approved_objective()
        ic = create_indicator(closed)
        self.assertStatus(transition_objective(closed, "closed", outcome="achieved"), 200)
        cancelled = create_objective()
        ix = create_indicator(cancelled)
        self.assertStatus(transition_objective(cancelled, "cancelled", reason="Zbędny"), 200)
        for o, i in ((closed, ic), (cancelled, ix)):
            with self.subTest(objective=o["id"]):
                self.assertProblem(post(o, inc()), 409, "conflict")
                self.assertProblem(patch(i, {"name": "Po zamknięciu"}), 409, "conflict")
                self.assertEqual(get_indicator(i)["name"], i["name"])
                listed = items_of(self.assertStatus(api("GET", indicators_of(o), employee()),
                                                    200))
                self.assertEqual([x["id"] for x in listed], [i["id"]])


class ReadTest(ApiTest):
    def test_list_of_an_objective(self):
        o = create_objective()
        other = create_objective()
        a = create_indicator(o)
        b = create_indicator(o, direction="range", target_min="1", target_max="2")
        create_indicator(other)
        r = api("GET", indicators_of(o), employee())
        items = items_of(self.assertStatus(r, 200))
        self.assertEqual(sorted(i["id"] for i in items), sorted([a["id"], b["id"]]))
        by_id = {i["id"]: i for i in items}
        self.assertEqual(by_id[a["id"]], get_indicator(a))
        self.assertEqual(by_id[b["id"]]["direction"], "range")
        for i in items:
            self.assertEqual(i["objective_id"], o["id"])
            for field in ("attainment", "latest_period", "latest_value", "stale", "health"):
                self.assertIn(field, i)
        self.assertEqual(items_of(self.assertStatus(api("GET",
                                                        indicators_of(create_objective()),
                                                        employee()), 200)), [])


class PatchTest(ApiTest):
    def setUp(self):
        self.o = create_objective()
        self.i = create_indicator(self.o, baseline="10", target="20")

    def test_patch_with_if_match(self):
        etag = get_etag(indicator_path(self.i))
        r = patch(self.i, {"name": "Nowa nazwa", "target": "25.50", "unit": "szt."}, etag=etag)
        got = self.assertJsonObject(r)
        self.assertEqual((got["name"], got["target"], got["unit"]),
                         ("Nowa nazwa", "25.50", "szt."))
        self.assertEqual(got["baseline"], "10", "absent fields are kept")
        self.assertNotEqual(self.assertEtag(r), etag)
        self.assertEqual(get_indicator(self.i), got)

    def test_patch_without_if_match_is_428(self):
        r = api("PATCH", indicator_path(self.i), plenipotentiary(), {"name": "x"})
        self.assertProblem(r, 428, "precondition-required")
        self.assertEqual(get_indicator(self.i)["name"], self.i["name"])

    def test_stale_if_match_is_412(self):
        old = get_etag(indicator_path(self.i))
        self.assertStatus(patch(self.i, {"name": "Pierwsza"}, etag=old), 200)
        self.assertProblem(patch(self.i, {"name": "Druga"}, etag=old), 412,
                           "precondition-failed")
        self.assertEqual(get_indicator(self.i)["name"], "Pierwsza")

    def test_patch_keeps_target_rules(self):
        for change in ({"target": "10"}, {"target": "5"}, {"baseline": "20"},
                       {"baseline": "25"}, {"target": None}, {"target": "abc"}):
            with self.subTest(change=change):
                r = patch(self.i, change)
                body = self.assertProblem(r, 422, "validation")
                named = {e["field"] for e in body["errors"]}
                self.assertTrue(named & {"target", "baseline"}, r.describe())
        got = get_indicator(self.i)
        self.assertEqual((got["baseline"], got["target"]), ("10", "20"))

    def test_patch_direction_needs_its_targets(self):
        r = patch(self.i, {"direction": "decrease"})
        self.assertProblem(r, 422, "validation", field="target")
        got = self.assertJsonObject(patch(self.i, {"direction": "decrease", "target": "5"}))
        self.assertEqual((got["direction"], got["baseline"], got["target"]),
                         ("decrease", "10", "5"))

    def test_patch_unknown_and_computed_fields_are_422(self):
        r = patch(self.i, {"colour": "red", "health": "achieved", "objective_id": 1})
        self.assertProblem(r, 422, "validation", fields=["colour", "health", "objective_id"])

    def test_only_plenipotentiary_patches(self):
        for name, token in (("president", president()), ("process_owner", owner()),
                            ("employee", employee())):
            with self.subTest(role=name):
                self.assertForbidden(patch(self.i, {"name": "x"}, token=token))
        self.assertEqual(get_indicator(self.i)["name"], self.i["name"])


class IsolationTest(ApiTest):
    def test_lublin_sees_no_krakow_indicator(self):
        o = create_objective()
        i = create_indicator(o)
        lu = plenipotentiary("lublin")
        self.assertNotFound(api("GET", indicator_path(i), lu))
        self.assertNotFound(api("GET", indicators_of(o), lu))
        self.assertNotFound(api("PATCH", indicator_path(i), lu, {"name": "Przejęty"},
                                headers={"If-Match": get_etag(indicator_path(i))}))
        self.assertEqual(get_indicator(i)["name"], i["name"])
