"""Deadline events (docs/design-deadlines.md; issue 11): a periodic job writes a change-log
entry, entity `deadline`, when a statutory deadline enters one of the organisation's warning
windows (`deadline.due_soon`) and when a deadline is missed (`deadline.missed`), once per
deadline and window, with two server instances running the job every second; the same for
overdue nonconformity actions and process reviews past their due date; the warning windows
are set with PUT /api/v1/deadline-rules; who reads the entries in the feed.

The clock is the real one: the incidents are made with deadlines a few seconds from a
window's edge or from their due time, and the test waits for the clock to pass them."""

import datetime
import time

from .client import (DEADLINE_RULE_NAMES, DEADLINE_RULES, ApiTest, add_action, api, create_breach,
                     create_incident, create_nc, create_process, default_breach, expect,
                     get_rules, iod, now_utc, plenipotentiary, president, psql_value, rules_set,
                     ts, with_query)
from .second_server import SecondServer

CHANGES = "/api/v1/changes"


def deadline_entries(record_id, token=None):
    """The feed's entries about one deadline, oldest first."""
    body = expect(api("GET", with_query(CHANGES, entity="deadline", id=record_id, limit=100),
                      token or president()), 200)
    return body["items"]


def fired(record_id):
    return [(e["action"], e["record"]["window"]) for e in deadline_entries(record_id)]


def breach_due_at(due, hours=72, **members):
    """A breach at risk whose uodo deadline (hours) falls due at `due` (a datetime)."""
    aware = due - datetime.timedelta(hours=hours)
    return create_breach(detected_at=ts(aware - datetime.timedelta(hours=1)),
                         breach=default_breach(aware_at=ts(aware), risk_level="risk", **members))


class DeadlineEventsTest(ApiTest):
    def setUp(self):
        # two instances, each running the job every second (an advisory lock per organisation
        # and a unique key per event keep each event to one entry)
        self.servers = [SecondServer(self, ZSZ_DEADLINE_JOB_SECONDS="1", ZSZ_HOUSEKEEPING_SECONDS="3600")
                        for _ in range(2)]

    def wait_for(self, record_id, expected, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = fired(record_id)
            if got == expected:
                return got
            time.sleep(0.3)
        self.fail(f"{record_id}: {fired(record_id)}, expected {expected}")

    def test_windows_fire_once_each_as_the_clock_passes_them(self):
        """A uodo deadline 4 h + 6 s away: the 24 h window fires at once, the 4 h window when
        the clock passes it, each once, in that order, across many runs of two instances."""
        due = now_utc().replace(microsecond=0) + datetime.timedelta(hours=4, seconds=6)
        inc = breach_due_at(due)
        rid = f"incident/{inc['id']}/uodo"
        self.wait_for(rid, [("due_soon", "PT24H")])
        self.assertLess(now_utc(), due - datetime.timedelta(hours=4), "the 4 h window opened too soon")
        self.wait_for(rid, [("due_soon", "PT24H"), ("due_soon", "PT4H")])
        time.sleep(3)  # several more runs of both instances
        entries = deadline_entries(rid)
        self.assertEqual([(e["action"], e["record"]["window"]) for e in entries],
                         [("due_soon", "PT24H"), ("due_soon", "PT4H")])
        first = entries[0]
        # the webhook event is <entity>.<action>: deadline.due_soon
        self.assertEqual(first["actor"], "system:deadlines")
        self.assertEqual(first["entity"], "deadline")
        self.assertEqual(first["record_id"], rid)
        self.assertEqual(first["record"], {
            "deadline": rid, "event": "deadline.due_soon", "kind": "uodo",
            "subject": {"entity": "incident", "id": inc["id"], "number": inc["number"], "title": inc["title"]},
            "due_at": ts(due), "due_date": None, "window": "PT24H"})

    def test_missed_once_and_the_narrowest_window_only(self):
        """Recorded 5 s before its 1-hour deadline: inside both windows, only the 4 h one
        fires; when the deadline passes, missed fires, once."""
        with rules_set(uodo=1):
            due = now_utc().replace(microsecond=0) + datetime.timedelta(seconds=5)
            inc = breach_due_at(due, hours=1)
            rid = f"incident/{inc['id']}/uodo"
            self.wait_for(rid, [("due_soon", "PT4H")])
            self.wait_for(rid, [("due_soon", "PT4H"), ("missed", None)])
            self.assertGreaterEqual(now_utc(), due)
            time.sleep(3)
            self.assertEqual(fired(rid), [("due_soon", "PT4H"), ("missed", None)])

    def test_met_before_the_window_fires_nothing(self):
        met = create_breach(breach=default_breach(aware_at=ts(now_utc() - datetime.timedelta(hours=2)),
                                                  uodo_notified_at=ts(now_utc() - datetime.timedelta(hours=1))))
        cyber = create_incident(iod(), type="cyber",
                                detected_at=ts(now_utc() - datetime.timedelta(hours=30)))
        # the cyber incident's csirt deadline (24 h) passed 6 h ago: that one fires, so the
        # job has run over both by the time it shows
        self.wait_for(f"incident/{cyber['id']}/csirt", [("missed", None)])
        time.sleep(2)
        self.assertEqual(fired(f"incident/{met['id']}/uodo"), [])

    def test_overdue_action_and_review(self):
        nc = create_nc()
        action = add_action(nc)
        yesterday = (now_utc() - datetime.timedelta(days=1)).date()
        # the clock passes the action's due date (an owner's write, as a day passing would)
        psql_value(f"UPDATE nonconformity_actions SET due_date = '{yesterday}' WHERE id = {int(action['id'])};")
        rid = f"nonconformity_action/{action['id']}"
        self.wait_for(rid, [("missed", None)])
        entry = deadline_entries(rid)[0]
        self.assertEqual(entry["record"]["subject"]["entity"], "nonconformity")
        self.assertEqual(entry["record"]["subject"]["id"], nc["id"])
        self.assertEqual(entry["record"]["due_date"], yesterday.isoformat())
        # the latest half-year whose review is past due, for a process without one
        today = now_utc().date()
        period = (f"{today.year}-H1" if today >= datetime.date(today.year, 8, 16)
                  else f"{today.year - 1}-H2" if today >= datetime.date(today.year, 2, 16)
                  else f"{today.year - 1}-H1")
        process = create_process()
        prid = f"process_review/{process['id']}/{period}"
        self.wait_for(prid, [("missed", None)])
        self.assertEqual(deadline_entries(prid)[0]["record"]["subject"]["code"], process["code"])
        # the plenipotentiary reads these (like their registers) but not an incident's
        self.assertEqual(len(deadline_entries(rid, plenipotentiary())), 1)
        self.assertEqual(len(deadline_entries(prid, plenipotentiary())), 1)


class DeadlineVisibilityTest(ApiTest):
    def test_incident_deadline_entries_are_incident_entries(self):
        cyber = create_incident(iod(), type="cyber",
                                detected_at=ts(now_utc() - datetime.timedelta(hours=30)))
        rid = f"incident/{cyber['id']}/csirt"
        servers = SecondServer(self, ZSZ_DEADLINE_JOB_SECONDS="1", ZSZ_HOUSEKEEPING_SECONDS="3600")
        self.assertTrue(servers)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not deadline_entries(rid):
            time.sleep(0.3)
        self.assertEqual(len(deadline_entries(rid, president())), 1)
        self.assertEqual(deadline_entries(rid, plenipotentiary()), [], "incidents: iod and president")
        everything = expect(api("GET", with_query(CHANGES, entity="deadline", limit=200),
                                plenipotentiary()), 200)["items"]
        self.assertFalse([e for e in everything if e["record_id"].startswith("incident/")])


class WarningWindowsTest(ApiTest):
    def test_default_and_put(self):
        before = get_rules()
        self.assertEqual(before["warning_hours"], [24, 4])
        rules = {k: before[k] for k in DEADLINE_RULE_NAMES}
        try:
            body = expect(api("PUT", DEADLINE_RULES, iod(), dict(rules, warning_hours=[4, 48, 1])), 200)
            self.assertEqual(body["warning_hours"], [48, 4, 1], "widest first")
            body = expect(api("PUT", DEADLINE_RULES, iod(), rules), 200)
            self.assertEqual(body["warning_hours"], [48, 4, 1], "left out: unchanged")
            body = expect(api("PUT", DEADLINE_RULES, iod(), dict(rules, warning_hours=[])), 200)
            self.assertEqual(body["warning_hours"], [])
            for bad in ([0], [8761], [4, 4], [1, 2, 3, 4, 5, 6], ["24"], 24):
                with self.subTest(warning_hours=bad):
                    self.assertProblem(api("PUT", DEADLINE_RULES, iod(), dict(rules, warning_hours=bad)),
                                       422, "validation", fields=["warning_hours"])
        finally:
            expect(api("PUT", DEADLINE_RULES, iod(), dict(rules, warning_hours=before["warning_hours"])), 200)
        self.assertEqual(get_rules(), before)
        self.assertEqual(get_rules("lublin")["warning_hours"], [24, 4], "per organisation")


class DeadlineWebhooksTest(ApiTest):
    def test_events_named_deadline_and_sent_as_the_feed_shows_them(self):
        """A subscription to deadline.* made by the plenipotentiary gets the overdue action's
        deadline.missed and not the incident's, which only the iod and the president read."""
        created = expect(api("POST", "/api/v1/webhooks", plenipotentiary(),
                             {"url": "https://hooks.example.org/zsz", "events": ["deadline.*"]}), 201)
        self.addCleanup(lambda: api("DELETE", f"/api/v1/webhooks/{created['id']}", plenipotentiary()))
        nc = create_nc()
        action = add_action(nc)
        yesterday = (now_utc() - datetime.timedelta(days=1)).date()
        psql_value(f"UPDATE nonconformity_actions SET due_date = '{yesterday}' WHERE id = {int(action['id'])};")
        cyber = create_incident(iod(), type="cyber", detected_at=ts(now_utc() - datetime.timedelta(hours=30)))
        SecondServer(self, ZSZ_DEADLINE_JOB_SECONDS="1", ZSZ_HOUSEKEEPING_SECONDS="3600", ZSZ_WEBHOOK_WORKERS="0")
        action_rid, incident_rid = f"nonconformity_action/{action['id']}", f"incident/{cyber['id']}/csirt"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (deadline_entries(action_rid) and deadline_entries(incident_rid)):
            time.sleep(0.3)
        [action_entry] = deadline_entries(action_rid)
        [incident_entry] = deadline_entries(incident_rid)
        queued = expect(api("GET", with_query(f"/api/v1/webhooks/{created['id']}/deliveries", limit=200),
                            plenipotentiary()), 200)["items"]
        by_change = {d["change_id"]: d["event"] for d in queued}
        self.assertEqual(by_change.get(action_entry["id"]), "deadline.missed")
        self.assertNotIn(incident_entry["id"], by_change, "an incident's deadline is an incident entry")
