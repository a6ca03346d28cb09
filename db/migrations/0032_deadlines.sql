-- Stored deadlines and deadline events (issues 16 and 11; docs/design-incidents.md "Stored
-- deadlines", docs/design-deadlines.md).
--
-- Part 1: each incident's three statutory deadlines (uodo, csirt, subjects) are kept in
-- incident_deadlines, written by SQL whenever their inputs change (a statement trigger on
-- incidents; a row trigger on deadline_rules recomputes the organisation's due dates), so the
-- IOD's worklist (GET /incidents?deadline_state=...&due_within=...) is a keyset range scan of
-- an index instead of computing every incident's deadlines before filtering. The rendered
-- record keeps zsz_incident_deadlines(i) (0003), the definition both must agree with; a test
-- compares them across rule edits (tests/api/test_deadline_store.py).

-- ---- stored deadlines ------------------------------------------------------------------------
-- One row per incident and rule that applies (a rule that does not apply has no row: state
-- not_applicable; every incident has at least one, being never both a breach and cyber).
-- due_at = start_at + the rule's hours, exact elapsed hours as in zsz_deadline(); met_at is
-- what meets it (a notification time). The state at a moment follows zsz_deadline(): met
-- (met_at <= due_at), missed (met late, or unmet and now() > due_at), else pending.
-- Only applicable rows, no foreign key to organisations (the incident's implies it), four
-- indexes: an import of 100,000 incidents writes about 45,000 rows here, not 300,000.
CREATE TABLE incident_deadlines (
  org_id      bigint NOT NULL,
  incident_id bigint NOT NULL,
  rule        text NOT NULL CHECK (rule IN ('uodo', 'csirt', 'subjects')),
  start_at    timestamptz NOT NULL,
  due_at      timestamptz NOT NULL,
  met_at      timestamptz,
  -- the deadline.missed event of this deadline has fired (or, for the deadlines already
  -- missed when this migration ran, never will: see deadline_settings.events_from)
  missed_reported boolean NOT NULL DEFAULT false,
  PRIMARY KEY (org_id, incident_id, rule),
  FOREIGN KEY (org_id, incident_id) REFERENCES incidents (org_id, id) ON DELETE CASCADE
);
-- Deadlines not met in time (pending, and missed whether unmet or met late), by due date:
-- the pending worklist is the range [now(), now() + due_within], the missed one the range
-- before now() (plus the few met late). The worklist queries repeat this predicate.
CREATE INDEX incident_deadlines_not_met_in_time ON incident_deadlines (org_id, due_at, incident_id)
  WHERE met_at IS NULL OR met_at > due_at;
CREATE INDEX incident_deadlines_met ON incident_deadlines (org_id, due_at, incident_id)
  WHERE met_at <= due_at;
-- what the deadline events job looks at for missed deadlines: those not met in time and not
-- yet reported, so its cost follows the deadlines open, not the register's history
CREATE INDEX incident_deadlines_missed_unreported ON incident_deadlines (org_id, due_at)
  WHERE NOT missed_reported AND (met_at IS NULL OR met_at > due_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON incident_deadlines TO zsz_app;
ALTER TABLE incident_deadlines ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON incident_deadlines TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());

-- The inputs of an incident's three deadlines, exactly as zsz_incident_deadlines() (0003)
-- reads them: (rule, start_at, met_at), start_at NULL when the rule does not apply.
CREATE FUNCTION zsz_incident_deadline_inputs(status text, type text, detected_at timestamptz, breach jsonb,
                                             ksc jsonb)
  RETURNS TABLE (rule text, start_at timestamptz, met_at timestamptz)
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT x.rule, s.start_at, CASE WHEN s.start_at IS NOT NULL THEN x.met_at END
  FROM (VALUES
          ('uodo', status <> 'dismissed' AND type = 'personal_data_breach'
                     AND coalesce(breach ->> 'risk_level', '') <> 'none',
           (breach ->> 'aware_at')::timestamptz, (breach ->> 'uodo_notified_at')::timestamptz),
          ('csirt', status <> 'dismissed' AND type = 'cyber', detected_at,
           (ksc ->> 'csirt_reported_at')::timestamptz),
          ('subjects', status <> 'dismissed' AND breach ->> 'risk_level' = 'high'
                         AND coalesce(breach ->> 'subjects_exemption', '') = '',
           (breach ->> 'aware_at')::timestamptz, (breach ->> 'subjects_notified_at')::timestamptz))
       AS x (rule, applies, start_at, met_at)
  CROSS JOIN LATERAL (SELECT CASE WHEN coalesce(x.applies, false) THEN x.start_at END AS start_at) AS s
$$;

-- Writes the stored deadlines of the incidents a statement inserted or updated (its
-- transition table `changed`), set-based so an import of many incidents costs one statement:
-- the rules that apply are written (rows whose values do not change are not rewritten), and
-- after an update the rows of rules that no longer apply (a dismissal, a risk lowered to
-- none, an exemption) are deleted.
CREATE FUNCTION zsz_incident_deadlines_store() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM incident_deadlines d
    USING changed n
    CROSS JOIN LATERAL zsz_incident_deadline_inputs(n.status, n.type, n.detected_at, n.breach, n.ksc) AS x
    WHERE d.org_id = n.org_id AND d.incident_id = n.id AND d.rule = x.rule AND x.start_at IS NULL;
  END IF;
  INSERT INTO incident_deadlines AS d (org_id, incident_id, rule, start_at, due_at, met_at)
  SELECT n.org_id, n.id, x.rule, x.start_at,
         x.start_at + make_interval(hours => coalesce(r.hours, CASE x.rule WHEN 'csirt' THEN 24 ELSE 72 END)),
         x.met_at
  FROM changed n
  CROSS JOIN LATERAL zsz_incident_deadline_inputs(n.status, n.type, n.detected_at, n.breach, n.ksc) AS x
  LEFT JOIN deadline_rules r ON r.org_id = n.org_id AND r.rule = x.rule
  WHERE x.start_at IS NOT NULL
  ON CONFLICT (org_id, incident_id, rule) DO UPDATE
    SET start_at = EXCLUDED.start_at, due_at = EXCLUDED.due_at, met_at = EXCLUDED.met_at
    WHERE (d.start_at, d.due_at, d.met_at) IS DISTINCT FROM (EXCLUDED.start_at, EXCLUDED.due_at, EXCLUDED.met_at);
  RETURN NULL;
END
$$;
CREATE TRIGGER incidents_deadlines_inserted AFTER INSERT ON incidents
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION zsz_incident_deadlines_store();
CREATE TRIGGER incidents_deadlines_updated AFTER UPDATE ON incidents
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION zsz_incident_deadlines_store();

-- A rule's edit moves the due dates of every incident of the organisation it applies to,
-- closed ones included: the record computes them under today's rules (0003), and the stored
-- dates must say the same.
CREATE FUNCTION zsz_deadline_rule_recompute() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  org bigint := CASE TG_OP WHEN 'DELETE' THEN OLD.org_id ELSE NEW.org_id END;
  r text := CASE TG_OP WHEN 'DELETE' THEN OLD.rule ELSE NEW.rule END;
  h integer := zsz_deadline_hours(org, r);
BEGIN
  UPDATE incident_deadlines d SET due_at = d.start_at + make_interval(hours => h)
  WHERE d.org_id = org AND d.rule = r AND d.due_at IS DISTINCT FROM d.start_at + make_interval(hours => h);
  RETURN NULL;
END
$$;
CREATE TRIGGER deadline_rules_recompute AFTER INSERT OR UPDATE OF hours OR DELETE ON deadline_rules
  FOR EACH ROW EXECUTE FUNCTION zsz_deadline_rule_recompute();

-- Backfill: every incident there is, under its organisation's rules.
INSERT INTO incident_deadlines (org_id, incident_id, rule, start_at, due_at, met_at)
SELECT i.org_id, i.id, x.rule, x.start_at, x.start_at + make_interval(hours => zsz_deadline_hours(i.org_id, x.rule)),
       x.met_at
FROM incidents i
CROSS JOIN LATERAL zsz_incident_deadline_inputs(i.status, i.type, i.detected_at, i.breach, i.ksc) AS x
WHERE x.start_at IS NOT NULL;

-- ---- deadline events (issue 11) ---------------------------------------------------------------
-- A periodic job (api/registers/incidents, "deadline_events") writes a change-log entry, entity
-- `deadline`, when a statutory deadline enters one of the organisation's warning windows
-- (action due_soon) and when a deadline is missed (action missed), so that the webhook events
-- (<entity>.<action>, 0031) are deadline.due_soon and deadline.missed: incidents'
-- uodo, csirt and subjects deadlines, open nonconformity actions past their due date, and
-- process reviews not accepted by their due date (15 August, 15 February).

-- The organisation's warning windows, in hours before a statutory deadline (default 24 and
-- 4 until set: PUT /api/v1/deadline-rules, member warning_hours; [] warns not). events_from: deadlines that
-- fell due before it fire no `missed` event (set for the organisations there are when this
-- migration runs, so the first run does not report years of history); absent, everything.
-- `rule` names the row in the change log (entity deadline_rule, record_id warning_hours).
CREATE TABLE deadline_settings (
  org_id        bigint PRIMARY KEY REFERENCES organisations(id),
  rule          text NOT NULL DEFAULT 'warning_hours' CHECK (rule = 'warning_hours'),
  warning_hours integer[] NOT NULL DEFAULT '{24,4}'
                CHECK (cardinality(warning_hours) <= 5 AND 0 < ALL (warning_hours)
                       AND 8760 >= ALL (warning_hours)),
  events_from   timestamptz NOT NULL DEFAULT '-infinity',
  revision      bigint NOT NULL DEFAULT 1
);
GRANT SELECT, INSERT, UPDATE ON deadline_settings TO zsz_app;
ALTER TABLE deadline_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON deadline_settings TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE TRIGGER deadline_settings_log AFTER INSERT OR UPDATE ON deadline_settings
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('deadline_rule', 'rule', 'events_from');
INSERT INTO deadline_settings (org_id, events_from) SELECT id, now() FROM organisations;
UPDATE incident_deadlines SET missed_reported = true
WHERE due_at < now() AND (met_at IS NULL OR met_at > due_at);

CREATE FUNCTION zsz_deadline_warning_hours(org bigint) RETURNS integer[]
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce((SELECT s.warning_hours FROM deadline_settings s WHERE s.org_id = org), '{24,4}');

-- One row per event fired: the key (deadline, event, window) makes the job idempotent (a
-- retry, or a second instance, inserts nothing). Its columns but fired_at are the `after`
-- document of the event's change-log entry (written by the row trigger below, so the feed's
-- ordering rules apply to it as to every other entry):
--   deadline  the record_id: incident/<id>/<rule>, nonconformity_action/<id>,
--             process_review/<process id>/<period>
--   event     deadline.due_soon | deadline.missed (the webhook event; the entry's action is
--             due_soon | missed)
--   kind      uodo | csirt | subjects | nonconformity_action | process_review
--   subject   {entity, id, number/code, title/name}: what the deadline is about
--   due_at    RFC 3339; for date deadlines (actions, reviews) the start (UTC) of the day after
--             the due date, when it became overdue; due_date the date itself, else null
--   window    ISO 8601 duration (PT24H) for due_soon, null for missed
CREATE TABLE deadline_events (
  org_id   bigint NOT NULL REFERENCES organisations(id),
  deadline text NOT NULL,
  event    text NOT NULL CHECK (event IN ('deadline.due_soon', 'deadline.missed')),
  kind     text NOT NULL CHECK (kind IN ('uodo', 'csirt', 'subjects', 'nonconformity_action', 'process_review')),
  subject  jsonb NOT NULL,
  due_at   text NOT NULL,
  due_date date,
  "window" text CHECK (("window" IS NULL) = (event = 'deadline.missed')),
  fired_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX deadline_events_once ON deadline_events (org_id, deadline, event, coalesce("window", ''));
GRANT SELECT, INSERT ON deadline_events TO zsz_app;
ALTER TABLE deadline_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON deadline_events TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE TRIGGER deadline_events_log AFTER INSERT ON deadline_events
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('deadline', 'deadline', 'fired_at');

-- The events due now in the current organisation (zsz_current_org()), each once; returns how
-- many fired. The caller runs it in its own transaction as actor system:deadlines.
-- due_soon: an unmet incident deadline not yet due fires the narrowest of the warning windows
-- it is inside (so a deadline recorded already inside 4 h fires the 4 h window only; one met
-- before its window fires nothing). missed: an incident deadline unmet past due (or met
-- late), an open action past its due date, or an active process without an accepted review
-- of the latest half-year whose due date has passed.
CREATE FUNCTION zsz_deadline_events_fire() RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  org bigint := zsz_current_org();
  windows integer[] := zsz_deadline_warning_hours(org);
  widest integer := (SELECT max(w) FROM unnest(windows) AS w);
  since timestamptz := coalesce((SELECT s.events_from FROM deadline_settings s WHERE s.org_id = org), '-infinity');
  fired integer;
  total integer := 0;
BEGIN
  PERFORM set_config('zsz.action', 'due_soon', true);
  INSERT INTO deadline_events (org_id, deadline, event, kind, subject, due_at, "window")
  SELECT d.org_id, 'incident/' || d.incident_id || '/' || d.rule, 'deadline.due_soon', d.rule,
         jsonb_build_object('entity', 'incident', 'id', i.id, 'number', i.number, 'title', i.title),
         zsz_ts(d.due_at) #>> '{}', 'PT' || win.w || 'H'
  FROM incident_deadlines d
  JOIN incidents i ON i.org_id = d.org_id AND i.id = d.incident_id
  CROSS JOIN LATERAL (SELECT min(w) AS w FROM unnest(windows) AS w
                      WHERE d.due_at - make_interval(hours => w) <= now()) AS win
  WHERE d.org_id = org AND (d.met_at IS NULL OR d.met_at > d.due_at)
    AND d.met_at IS NULL AND d.due_at >= now() AND d.due_at <= now() + make_interval(hours => widest)
    AND win.w IS NOT NULL
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS fired = ROW_COUNT;
  total := total + fired;

  -- missed incident deadlines: marked reported in the same statement, so the next run's
  -- walk of incident_deadlines_missed_unreported no longer meets them
  PERFORM set_config('zsz.action', 'missed', true);
  WITH newly AS (
    UPDATE incident_deadlines d SET missed_reported = true
    WHERE d.org_id = org AND NOT d.missed_reported AND (d.met_at IS NULL OR d.met_at > d.due_at) AND d.due_at < now() AND d.due_at >= since
    RETURNING d.org_id, d.incident_id, d.rule, d.due_at)
  INSERT INTO deadline_events (org_id, deadline, event, kind, subject, due_at)
  SELECT n.org_id, 'incident/' || n.incident_id || '/' || n.rule, 'deadline.missed', n.rule,
         jsonb_build_object('entity', 'incident', 'id', i.id, 'number', i.number, 'title', i.title),
         zsz_ts(n.due_at) #>> '{}'
  FROM newly n
  JOIN incidents i ON i.org_id = n.org_id AND i.id = n.incident_id
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS fired = ROW_COUNT;
  total := total + fired;

  INSERT INTO deadline_events (org_id, deadline, event, kind, subject, due_at, due_date)
  SELECT a.org_id, 'nonconformity_action/' || a.id, 'deadline.missed', 'nonconformity_action',
         jsonb_build_object('entity', 'nonconformity', 'id', n.id, 'number', n.number, 'action_id', a.id,
                            'title', a.description, 'responsible', a.responsible),
         zsz_ts((a.due_date + 1)::timestamp AT TIME ZONE 'UTC') #>> '{}', a.due_date
  FROM nonconformity_actions a
  JOIN nonconformities n ON n.org_id = a.org_id AND n.id = a.nonconformity_id
  WHERE a.org_id = org AND a.status = 'open' AND a.due_date < zsz_today()
    AND (a.due_date + 1)::timestamp AT TIME ZONE 'UTC' >= since
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS fired = ROW_COUNT;
  total := total + fired;

  INSERT INTO deadline_events (org_id, deadline, event, kind, subject, due_at, due_date)
  SELECT p.org_id, 'process_review/' || p.id || '/' || h.period, 'deadline.missed', 'process_review',
         jsonb_build_object('entity', 'process', 'id', p.id, 'code', p.code, 'name', p.name, 'period', h.period,
                            'owner', p.owner),
         zsz_ts((zsz_review_due(h.period) + 1)::timestamp AT TIME ZONE 'UTC') #>> '{}', zsz_review_due(h.period)
  FROM (SELECT y || '-H' || half AS period
        FROM generate_series(extract(year FROM zsz_today())::integer - 1, extract(year FROM zsz_today())::integer) AS y,
             generate_series(1, 2) AS half
        WHERE zsz_review_due(y || '-H' || half) < zsz_today()
        ORDER BY zsz_review_due(y || '-H' || half) DESC LIMIT 1) AS h
  JOIN processes p ON p.org_id = org AND p.status = 'active'
  WHERE (zsz_review_due(h.period) + 1)::timestamp AT TIME ZONE 'UTC' >= since
    AND NOT EXISTS (SELECT 1 FROM process_reviews r WHERE r.org_id = p.org_id AND r.process_id = p.id
                      AND r.period = h.period AND r.status = 'accepted')
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS fired = ROW_COUNT;
  total := total + fired;

  PERFORM set_config('zsz.action', '', true);
  RETURN total;
END
$$;
