"""Statutory deadlines (docs/design-incidents.md, "Deadlines"): the organisation's rules
(defaults 72/24/72, PUT by the IOD), the computed `deadlines` (uodo, csirt, subjects; states
pending/met/missed/not_applicable), real elapsed hours across the Europe/Warsaw clock changes,
a deadline passing between two reads, and the worklist filters `deadline_state`/`due_within`.

Tests that change the rules put them back (client.rules_set)."""

import datetime
import time

from .client import (DEADLINE_RULE_NAMES, DEADLINE_RULES, DEFAULT_RULES, INCIDENTS, ApiTest,
                     ago, api, auditor, create_breach, create_incident, deadline_of,
                     default_breach, employee, get_incident, get_rules, hours_after, iod,
                     list_all, move_incident, now_utc, owner, parse_ts, patch_incident,
                     plenipotentiary, president, rules_set, ts, with_query)

RULE_KEYS = {"rule", "due_at", "met_at", "state"}


def states(inc):
    return {d["rule"]: d["state"] for d in inc["deadlines"]}


def breach_due_in(hours, **members):
    """A breach (risk `risk`) whose uodo deadline (72 h) is `hours` from now (negative: past)."""
    aware = ago(hours=72 - hours)
    return create_breach(detected_at=hours_after(aware, -1),
                         breach=default_breach(aware_at=aware, risk_level="risk", **members))


class RulesTest(ApiTest):
    def test_defaults(self):
        """72/24/72 until set (the suite puts back whatever it changes)."""
        for org in ("krakow", "lublin"):
            with self.subTest(org=org):
                r = api("GET", DEADLINE_RULES, iod(org))
                body = self.assertJsonObject(r)
                self.assertEqual({k: body[k] for k in DEADLINE_RULE_NAMES}, DEFAULT_RULES)

    def test_iod_puts_rules_and_due_dates_follow(self):
        b = create_breach(detected_at="2026-11-20T06:00:00Z",
                          breach=default_breach(aware_at="2026-11-20T07:00:00Z",
                                                risk_level="high"))
        c = create_incident(iod(), type="cyber", detected_at="2026-11-20T06:00:00Z")
        self.assertEqual(deadline_of(b, "uodo")["due_at"], "2026-11-23T07:00:00+00:00")
        self.assertEqual(deadline_of(b, "subjects")["due_at"], "2026-11-23T07:00:00+00:00")
        self.assertEqual(deadline_of(c, "csirt")["due_at"], "2026-11-21T06:00:00+00:00")
        with rules_set(uodo=48, csirt=12, subjects=96):
            body = self.assertJsonObject(api("GET", DEADLINE_RULES, iod()))
            self.assertEqual({k: body[k] for k in DEADLINE_RULE_NAMES},
                             {"uodo": 48, "csirt": 12, "subjects": 96})
            lu = get_rules("lublin")
            self.assertEqual({k: lu[k] for k in DEADLINE_RULE_NAMES}, DEFAULT_RULES,
                             "rules are per organisation")
            got_b, got_c = get_incident(b), get_incident(c)
            self.assertEqual(deadline_of(got_b, "uodo")["due_at"], "2026-11-22T07:00:00+00:00")
            self.assertEqual(deadline_of(got_b, "subjects")["due_at"],
                             "2026-11-24T07:00:00+00:00")
            self.assertEqual(deadline_of(got_c, "csirt")["due_at"], "2026-11-20T18:00:00+00:00")
            self.assertEqual(deadline_of(got_c, "csirt")["state"], "missed")
        got_b, got_c = get_incident(b), get_incident(c)
        self.assertEqual(deadline_of(got_b, "uodo")["due_at"], "2026-11-23T07:00:00+00:00")
        self.assertEqual(deadline_of(got_c, "csirt")["due_at"], "2026-11-21T06:00:00+00:00")

    def test_put_answers_the_rules(self):
        before = get_rules()
        try:
            r = api("PUT", DEADLINE_RULES, iod(), {"uodo": 8760, "csirt": 1, "subjects": 100})
            body = self.assertJsonObject(r)
            self.assertEqual({k: body[k] for k in DEADLINE_RULE_NAMES},
                             {"uodo": 8760, "csirt": 1, "subjects": 100})
        finally:
            api("PUT", DEADLINE_RULES, iod(), {k: before[k] for k in DEADLINE_RULE_NAMES})
        after = get_rules()
        self.assertEqual({k: after[k] for k in DEADLINE_RULE_NAMES},
                         {k: before[k] for k in DEADLINE_RULE_NAMES})

    def test_put_rules(self):
        good = dict(DEFAULT_RULES)
        cases = [
            (("subjects",), {"uodo": 72, "csirt": 24}),
            (("uodo", "csirt", "subjects"), {}),
            (("uodo",), dict(good, uodo=0)), (("uodo",), dict(good, uodo=-1)),
            (("uodo",), dict(good, uodo=8761)), (("csirt",), dict(good, csirt="24")),
            (("subjects",), dict(good, subjects=72.5)), (("uodo",), dict(good, uodo=None)),
            (("kcs",), dict(good, kcs=24)),
        ]
        before = get_rules()
        for fields, body in cases:
            with self.subTest(body=body):
                r = api("PUT", DEADLINE_RULES, iod(), body)
                self.assertProblem(r, 422, "validation", fields=list(fields))
        r = api("PUT", DEADLINE_RULES, iod(), [72, 24, 72])
        self.assertProblem(r, 422, "validation")
        self.assertEqual(get_rules(), before, "nothing written")

    def test_only_the_iod(self):
        before = get_rules()
        for name, token in (("president", president()), ("plenipotentiary", plenipotentiary()),
                            ("process_owner", owner()), ("auditor", auditor()),
                            ("employee", employee())):
            with self.subTest(caller=name):
                self.assertForbidden(api("GET", DEADLINE_RULES, token))
                self.assertForbidden(api("PUT", DEADLINE_RULES, token,
                                         {"uodo": 1, "csirt": 1, "subjects": 1}))
        self.assertUnauthorized(api("GET", DEADLINE_RULES))
        self.assertEqual(get_rules(), before)


class StatesTest(ApiTest):
    def test_always_three_rules_in_order(self):
        for inc in (create_incident(), breach_due_in(10),
                    create_incident(iod(), type="cyber", detected_at=ago(hours=1))):
            got = get_incident(inc)
            self.assertEqual([d["rule"] for d in got["deadlines"]], ["uodo", "csirt", "subjects"])
            for d in got["deadlines"]:
                self.assertEqual(set(d), RULE_KEYS)
                self.assertIn(d["state"], ("pending", "met", "missed", "not_applicable"))

    def test_rules_that_do_not_apply(self):
        for t in ("other", "it_failure", "physical"):
            with self.subTest(type=t):
                inc = get_incident(create_incident(type=t, detected_at="2026-01-05T10:00:00Z"))
                for d in inc["deadlines"]:
                    self.assertEqual(d["state"], "not_applicable", d)
                    self.assertIsNone(d["due_at"], d)
                    self.assertIsNone(d["met_at"], d)

    def test_breach_at_risk_pending(self):
        aware = ago(hours=1)
        inc = get_incident(create_breach(breach=default_breach(aware_at=aware,
                                                                risk_level="risk")))
        uodo = deadline_of(inc, "uodo")
        self.assertEqual(uodo, {"rule": "uodo", "due_at": hours_after(aware, 72), "met_at": None,
                                "state": "pending"})
        self.assertEqual(states(inc), {"uodo": "pending", "csirt": "not_applicable",
                                       "subjects": "not_applicable"})
        self.assertIsNone(deadline_of(inc, "subjects")["due_at"])

    def test_high_risk_adds_the_subjects_deadline(self):
        aware = ago(hours=1)
        inc = get_incident(create_breach(breach=default_breach(aware_at=aware,
                                                                risk_level="high")))
        self.assertEqual(deadline_of(inc, "subjects"),
                         {"rule": "subjects", "due_at": hours_after(aware, 72), "met_at": None,
                          "state": "pending"})
        self.assertEqual(states(inc)["uodo"], "pending")

    def test_exemption_removes_the_subjects_deadline(self):
        inc = get_incident(create_breach(breach=default_breach(
            risk_level="high", subjects_exemption="encrypted",
            subjects_exemption_justification="Szyfrowanie AES-256.")))
        self.assertEqual(states(inc), {"uodo": "pending", "csirt": "not_applicable",
                                       "subjects": "not_applicable"})

    def test_risk_none_has_no_deadline(self):
        inc = get_incident(create_breach(breach=default_breach(risk_level="none")))
        self.assertEqual(set(states(inc).values()), {"not_applicable"})

    def test_no_awareness_no_deadline(self):
        inc = get_incident(create_breach(breach=default_breach(aware_at=None,
                                                                risk_level="high")))
        self.assertEqual(set(states(inc).values()), {"not_applicable"})
        inc = get_incident(create_incident(type="personal_data_breach"))
        self.assertEqual(set(states(inc).values()), {"not_applicable"})

    def test_uodo_runs_before_the_risk_is_assessed(self):
        """"uodo: applies to a breach whose risk_level is not `none` and that has aware_at":
        a breach not yet assessed (risk_level null) is not `none`, so the 72-hour clock runs;
        subjects needs risk `high`, so it does not apply."""
        aware = ago(hours=1)
        inc = get_incident(create_breach(breach=default_breach(aware_at=aware,
                                                                risk_level=None)))
        self.assertEqual(deadline_of(inc, "uodo")["state"], "pending")
        self.assertEqual(deadline_of(inc, "uodo")["due_at"], hours_after(aware, 72))
        self.assertEqual(deadline_of(inc, "subjects")["state"], "not_applicable")

    def test_met_early_and_exactly_at_the_deadline(self):
        aware = "2026-10-01T08:00:00+00:00"
        for notified in ("2026-10-02T09:15:00+00:00", "2026-10-04T08:00:00+00:00"):
            with self.subTest(notified=notified):
                inc = get_incident(create_breach(
                    detected_at="2026-10-01T07:00:00Z",
                    breach=default_breach(aware_at=aware, risk_level="high",
                                          uodo_notified_at=notified,
                                          subjects_notified_at=notified)))
                for rule in ("uodo", "subjects"):
                    self.assertEqual(deadline_of(inc, rule),
                                     {"rule": rule, "due_at": "2026-10-04T08:00:00+00:00",
                                      "met_at": notified, "state": "met"})

    def test_missed_late_or_never(self):
        late = get_incident(create_breach(
            detected_at="2026-10-01T07:00:00Z",
            breach=default_breach(aware_at="2026-10-01T08:00:00Z", risk_level="high",
                                  uodo_notified_at="2026-10-05T08:00:00Z",
                                  uodo_late_reason="Ustalenie administratora danych.",
                                  subjects_notified_at="2026-10-04T08:00:01Z")))
        self.assertEqual(deadline_of(late, "uodo"),
                         {"rule": "uodo", "due_at": "2026-10-04T08:00:00+00:00",
                          "met_at": "2026-10-05T08:00:00+00:00", "state": "missed"})
        self.assertEqual(deadline_of(late, "subjects"),
                         {"rule": "subjects", "due_at": "2026-10-04T08:00:00+00:00",
                          "met_at": "2026-10-04T08:00:01+00:00", "state": "missed"})
        never = get_incident(breach_due_in(-1))
        self.assertEqual(deadline_of(never, "uodo")["state"], "missed")
        self.assertIsNone(deadline_of(never, "uodo")["met_at"])

    def test_csirt_states(self):
        detected = ago(hours=2)
        pending = get_incident(create_incident(iod(), type="cyber", detected_at=detected))
        self.assertEqual(deadline_of(pending, "csirt"),
                         {"rule": "csirt", "due_at": hours_after(detected, 24), "met_at": None,
                          "state": "pending"})
        self.assertEqual(states(pending)["uodo"], "not_applicable")
        by_employee = get_incident(create_incident(type="cyber", detected_at=detected))
        self.assertEqual(deadline_of(by_employee, "csirt")["state"], "pending",
                         "csirt applies to type cyber, with or without a ksc section")
        met = get_incident(create_incident(iod(), type="cyber",
                                           detected_at="2026-10-01T07:00:00Z",
                                           ksc={"csirt": "NASK",
                                                "csirt_reported_at": "2026-10-02T07:00:00Z"}))
        self.assertEqual(deadline_of(met, "csirt"),
                         {"rule": "csirt", "due_at": "2026-10-02T07:00:00+00:00",
                          "met_at": "2026-10-02T07:00:00+00:00", "state": "met"})
        late = get_incident(create_incident(iod(), type="cyber",
                                            detected_at="2026-10-01T07:00:00Z",
                                            ksc={"csirt": "NASK",
                                                 "csirt_reported_at": "2026-10-02T07:00:01Z"}))
        self.assertEqual(deadline_of(late, "csirt")["state"], "missed")
        never = get_incident(create_incident(type="cyber", detected_at="2026-10-01T07:00:00Z"))
        self.assertEqual(deadline_of(never, "csirt")["state"], "missed")

    def test_dismissed_has_no_deadlines(self):
        inc = create_breach(detected_at="2026-10-01T07:00:00Z",
                            breach=default_breach(aware_at="2026-10-01T08:00:00Z",
                                                  risk_level="high"))
        self.assertEqual(states(inc)["uodo"], "missed")
        move_incident(inc, "triage", "dismissed")
        self.assertEqual(set(states(get_incident(inc)).values()), {"not_applicable"})
        cyber = create_incident(type="cyber", detected_at=ago(hours=1))
        move_incident(cyber, "triage", "dismissed")
        self.assertEqual(set(states(get_incident(cyber)).values()), {"not_applicable"})

    def test_deadlines_follow_patches(self):
        inc = breach_due_in(30)
        self.assertEqual(states(inc)["uodo"], "pending")
        got = self.assertJsonObject(patch_incident(inc, {"breach": {
            "uodo_notified_at": ago(minutes=1)}}))
        self.assertEqual(deadline_of(got, "uodo")["state"], "met")
        self.assertEqual(deadline_of(got, "uodo")["met_at"], got["breach"]["uodo_notified_at"])
        got = self.assertJsonObject(patch_incident(inc, {"breach": {"risk_level": "none"}}))
        self.assertEqual(deadline_of(got, "uodo")["state"], "not_applicable")


class ClockChangeTest(ApiTest):
    """Europe/Warsaw: CET -> CEST on 2026-03-29 02:00, CEST -> CET on 2026-10-25 03:00. The
    hours are real elapsed hours: wall-clock arithmetic would be an hour off."""

    def test_march_breach(self):
        inc = get_incident(create_breach(
            detected_at="2026-03-28T10:00:00+01:00",
            breach=default_breach(aware_at="2026-03-28T12:00:00+01:00", risk_level="high")))
        self.assertEqual(inc["breach"]["aware_at"], "2026-03-28T11:00:00+00:00")
        for rule in ("uodo", "subjects"):
            d = deadline_of(inc, rule)
            self.assertEqual(d["due_at"], "2026-03-31T11:00:00+00:00",
                             f"{rule}: 72 real hours after 2026-03-28T11:00Z")
            self.assertEqual(parse_ts(d["due_at"]) - parse_ts(inc["breach"]["aware_at"]),
                             datetime.timedelta(hours=72))
            self.assertEqual(d["state"], "missed")

    def test_october_breach(self):
        inc = get_incident(create_breach(
            detected_at="2026-10-24T11:00:00+02:00",
            breach=default_breach(aware_at="2026-10-24T12:00:00+02:00", risk_level="high")))
        self.assertEqual(inc["breach"]["aware_at"], "2026-10-24T10:00:00+00:00")
        for rule in ("uodo", "subjects"):
            self.assertEqual(deadline_of(inc, rule)["due_at"], "2026-10-27T10:00:00+00:00", rule)

    def test_march_notification_in_time_needs_no_late_reason(self):
        """Notified 2026-03-31T12:30+02:00 (10:30Z): 30 minutes before the real deadline
        (wall-clock arithmetic would put the deadline at 10:00Z and call it late)."""
        inc = get_incident(create_breach(
            detected_at="2026-03-28T10:00:00+01:00",
            breach=default_breach(aware_at="2026-03-28T12:00:00+01:00", risk_level="risk",
                                  uodo_notified_at="2026-03-31T12:30:00+02:00")))
        self.assertEqual(deadline_of(inc, "uodo"),
                         {"rule": "uodo", "due_at": "2026-03-31T11:00:00+00:00",
                          "met_at": "2026-03-31T10:30:00+00:00", "state": "met"})

    def test_october_notification_after_the_deadline_is_late(self):
        """Notified 2026-10-27T11:30+01:00 (10:30Z): 30 minutes after the real deadline
        (wall-clock arithmetic would put it at 11:00Z and call it in time)."""
        breach = default_breach(aware_at="2026-10-24T12:00:00+02:00", risk_level="risk",
                                uodo_notified_at="2026-10-27T11:30:00+01:00")
        r = api("POST", INCIDENTS, iod(), {"title": "Naruszenie październikowe",
                                           "type": "personal_data_breach",
                                           "detected_at": "2026-10-24T11:00:00+02:00",
                                           "breach": breach})
        body = self.assertProblem(r, 422, "validation")
        self.assertNamesOneOf(body, ("breach.uodo_late_reason", "breach.uodo_notified_at"), r)
        inc = get_incident(create_breach(
            detected_at="2026-10-24T11:00:00+02:00",
            breach=dict(breach, uodo_late_reason="Weekend, brak dostępu do ePUAP.")))
        self.assertEqual(deadline_of(inc, "uodo"),
                         {"rule": "uodo", "due_at": "2026-10-27T10:00:00+00:00",
                          "met_at": "2026-10-27T10:30:00+00:00", "state": "missed"})

    def test_csirt_across_both_changes(self):
        for detected, due in (("2026-03-28T22:30:00+01:00", "2026-03-29T21:30:00+00:00"),
                              ("2026-10-24T23:30:00+02:00", "2026-10-25T21:30:00+00:00")):
            with self.subTest(detected=detected):
                inc = get_incident(create_incident(iod(), type="cyber", detected_at=detected))
                self.assertEqual(deadline_of(inc, "csirt")["due_at"], due)


class PassingDeadlineTest(ApiTest):
    def test_deadline_passes_between_two_reads(self):
        """With a 1-hour uodo rule and aware_at = now - 1 h + 8 s, the deadline is 8 s ahead:
        pending on the first read, missed on a read after it (computed on every read)."""
        with rules_set(uodo=1):
            aware_dt = now_utc() - datetime.timedelta(hours=1) + datetime.timedelta(seconds=8)
            aware = ts(aware_dt)
            due = aware_dt + datetime.timedelta(hours=1)
            inc = create_breach(detected_at=hours_after(aware, -1),
                                breach=default_breach(aware_at=aware, risk_level="risk"))
            first = deadline_of(get_incident(inc), "uodo")
            in_worklist = inc["id"] in {i["id"] for i in list_all(
                INCIDENTS, iod(), deadline_state="pending", due_within="PT1M")}
            self.assertLess(now_utc(), due, "the server took too long; the test cannot tell")
            self.assertEqual(first, {"rule": "uodo", "due_at": ts(due), "met_at": None,
                                     "state": "pending"})
            self.assertTrue(in_worklist, "pending and due within a minute")
            time.sleep(max(0.0, (due - datetime.datetime.now(datetime.timezone.utc))
                           .total_seconds()) + 1.5)
            second = deadline_of(get_incident(inc), "uodo")
            self.assertEqual(second, {"rule": "uodo", "due_at": ts(due), "met_at": None,
                                      "state": "missed"})
            self.assertIn(inc["id"], {i["id"] for i in list_all(INCIDENTS, iod(),
                                                                deadline_state="missed")})
            self.assertNotIn(inc["id"], {i["id"] for i in list_all(
                INCIDENTS, iod(), deadline_state="pending")})
        self.assertEqual(deadline_of(get_incident(inc), "uodo")["state"], "pending",
                         "72 hours again once the rule is put back")


class ListTagTest(ApiTest):
    """A page of incidents answers 304 to its own tag, and its tag covers the deadlines, which
    change with time and with the rules' edits while the incidents' revisions stay the same
    (issue 16: the page is rendered in C and tagged without building it)."""

    def page(self, tag=None):
        return api("GET", with_query(INCIDENTS, limit=5), iod(),
                   headers={"If-None-Match": tag} if tag else None)

    def test_unchanged_page_is_304(self):
        create_breach()
        first = self.page()
        self.assertJsonObject(first, 200)
        tag = first.headers.get("ETag")
        self.assertRegex(tag or "", r'^W/"i[0-9a-f]{16}"$')
        again = self.page(tag)
        self.assertEqual(again.status, 304, again.describe())
        self.assertEqual(again.raw, b"")
        self.assertEqual(again.headers.get("ETag"), tag)

    def test_a_rule_edit_moves_the_tag(self):
        inc = breach_due_in(30)
        first = self.page()
        tag = first.headers.get("ETag")
        self.assertIn(inc["id"], [i["id"] for i in self.assertJsonObject(first, 200)["items"]])
        with rules_set(uodo=24):
            r = self.page(tag)
            body = self.assertJsonObject(r, 200)
            shown = next(i for i in body["items"] if i["id"] == inc["id"])
            self.assertEqual(shown["updated_at"], get_incident(inc)["updated_at"])
            self.assertEqual(deadline_of(shown, "uodo")["state"], "missed")
            self.assertNotEqual(r.headers.get("ETag"), tag)
        self.assertEqual(self.page(tag).status, 304, "the rule put back: the page as it was")

    def test_a_deadline_passing_moves_the_tag(self):
        with rules_set(uodo=1):
            aware_dt = now_utc() - datetime.timedelta(hours=1) + datetime.timedelta(seconds=5)
            due = aware_dt + datetime.timedelta(hours=1)
            inc = create_breach(detected_at=hours_after(ts(aware_dt), -1),
                                breach=default_breach(aware_at=ts(aware_dt), risk_level="risk"))
            first = self.page()
            tag = first.headers.get("ETag")
            shown = next(i for i in self.assertJsonObject(first, 200)["items"] if i["id"] == inc["id"])
            self.assertLess(now_utc(), due, "the server took too long; the test cannot tell")
            self.assertEqual(deadline_of(shown, "uodo")["state"], "pending")
            time.sleep(max(0.0, (due - datetime.datetime.now(datetime.timezone.utc))
                           .total_seconds()) + 1.5)
            r = self.page(tag)
            shown = next(i for i in self.assertJsonObject(r, 200)["items"] if i["id"] == inc["id"])
            self.assertEqual(deadline_of(shown, "uodo")["state"], "missed")
            self.assertNotEqual(r.headers.get("ETag"), tag)


class WorklistTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.in7 = breach_due_in(7)
        cls.in1 = breach_due_in(1)
        cls.in4 = breach_due_in(4)
        cls.in22 = breach_due_in(22)
        cls.missed = breach_due_in(-8)
        cls.met = create_breach(breach=default_breach(aware_at=ago(hours=3),
                                                      uodo_notified_at=ago(hours=1)))
        cls.na = create_incident()
        cls.dismissed = breach_due_in(2)
        move_incident(cls.dismissed, "triage", "dismissed")

    def worklist(self, **params):
        return list_all(INCIDENTS, iod(), **params)

    def assertOrderedByMatchingDue(self, items, state, within=None):
        """Each item has a deadline in state (due no later than now + within); items are
        ordered by the earliest such due_at, then id."""
        limit = now_utc() + within + datetime.timedelta(seconds=5) if within else None
        keys = []
        for i in items:
            due = [parse_ts(d["due_at"]) for d in i["deadlines"] if d["state"] == state
                   and (limit is None or parse_ts(d["due_at"]) <= limit)]
            self.assertTrue(due, f"item {i['id']} has no matching deadline: {i['deadlines']}")
            keys.append((min(due), i["id"]))
        self.assertEqual(keys, sorted(keys), "earliest matching due_at first, then id")

    def test_pending_within_12_hours_soonest_first(self):
        items = self.worklist(deadline_state="pending", due_within="PT12H")
        ids = [i["id"] for i in items]
        mine = [x for x in ids if x in (self.in1["id"], self.in4["id"], self.in7["id"])]
        self.assertEqual(mine, [self.in1["id"], self.in4["id"], self.in7["id"]])
        for other in (self.in22, self.missed, self.met, self.na, self.dismissed):
            self.assertNotIn(other["id"], ids)
        self.assertOrderedByMatchingDue(items, "pending", datetime.timedelta(hours=12))

    def test_pending_without_a_window(self):
        items = self.worklist(deadline_state="pending")
        ids = [i["id"] for i in items]
        mine = [x for x in ids if x in (self.in1["id"], self.in4["id"], self.in7["id"],
                                        self.in22["id"])]
        self.assertEqual(mine, [self.in1["id"], self.in4["id"], self.in7["id"],
                                self.in22["id"]])
        for other in (self.missed, self.met, self.na, self.dismissed):
            self.assertNotIn(other["id"], ids)
        self.assertOrderedByMatchingDue(items, "pending")

    def test_windows(self):
        for window, keep, drop in (
                ("P1D", (self.in1, self.in4, self.in7, self.in22), ()),
                ("PT30M", (), (self.in1, self.in4)),
                ("PT90M", (self.in1,), (self.in4, self.in7)),
                ("PT5H", (self.in1, self.in4), (self.in7, self.in22))):
            with self.subTest(due_within=window):
                ids = {i["id"] for i in self.worklist(deadline_state="pending",
                                                      due_within=window)}
                for x in keep:
                    self.assertIn(x["id"], ids)
                for x in drop:
                    self.assertNotIn(x["id"], ids)

    def test_missed_and_met(self):
        items = self.worklist(deadline_state="missed")
        ids = [i["id"] for i in items]
        self.assertIn(self.missed["id"], ids)
        for other in (self.in1, self.in22, self.met, self.na, self.dismissed):
            self.assertNotIn(other["id"], ids)
        self.assertOrderedByMatchingDue(items, "missed")
        items = self.worklist(deadline_state="met")
        ids = [i["id"] for i in items]
        self.assertIn(self.met["id"], ids)
        for other in (self.in1, self.missed, self.na):
            self.assertNotIn(other["id"], ids)
        self.assertOrderedByMatchingDue(items, "met")

    def test_not_applicable(self):
        ids = {i["id"] for i in self.worklist(deadline_state="not_applicable")}
        self.assertIn(self.na["id"], ids)
        self.assertIn(self.dismissed["id"], ids)
        self.assertIn(self.in1["id"], ids, "its csirt and subjects rules do not apply")

    def test_worklist_pages_keep_the_order(self):
        whole = [i["id"] for i in self.worklist(deadline_state="pending")]
        paged, cursor = [], None
        for _ in range(200):
            r = api("GET", with_query(INCIDENTS, deadline_state="pending", limit=3,
                                      cursor=cursor), iod())
            body = self.assertList(r)
            paged.extend(i["id"] for i in body["items"])
            cursor = body["next_cursor"]
            if not cursor:
                break
        self.assertEqual(paged, whole)

    def test_bad_windows_are_400(self):
        for params in ({"deadline_state": "pending", "due_within": "12H"},
                       {"deadline_state": "pending", "due_within": "PT"},
                       {"deadline_state": "pending", "due_within": "P"},
                       {"deadline_state": "pending", "due_within": "PT-1H"},
                       {"deadline_state": "pending", "due_within": "soon"},
                       {"due_within": "PT12H"},
                       {"deadline_state": "missed", "due_within": "PT12H"},
                       {"deadline_state": "met", "due_within": "P1D"}):
            with self.subTest(params=params):
                r = api("GET", with_query(INCIDENTS, **params), iod())
                self.assertProblem(r, 400, "invalid-parameter", field="due_within")
