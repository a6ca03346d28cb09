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
-- One row per incident and rule. start_at is NULL when the rule does not apply (then due_at
-- and met_at are NULL too: state not_applicable); due_at = start_at + the rule's hours, exact
-- elapsed hours as in zsz_deadline(); met_at is what meets it (a notification time).
-- The state at a moment follows zsz_deadline(): met (met_at <= due_at), missed (met late, or
-- unmet and now() > due_at), else pending.
CREATE TABLE incident_deadlines (
  org_id      bigint NOT NULL REFERENCES organisations(id),
  incident_id bigint NOT NULL,
  rule        text NOT NULL CHECK (rule IN ('uodo', 'csirt', 'subjects')),
  start_at    timestamptz,
  due_at      timestamptz,
  met_at      timestamptz,
  PRIMARY KEY (org_id, incident_id, rule),
  FOREIGN KEY (org_id, incident_id) REFERENCES incidents (org_id, id) ON DELETE CASCADE,
  CHECK ((start_at IS NULL) = (due_at IS NULL)),
  CHECK (start_at IS NOT NULL OR met_at IS NULL)
);
-- Deadlines not met in time (pending, and missed whether unmet or met late), by due date:
-- the pending worklist is the range [now(), now() + due_within], the missed one the range
-- before now() (plus the few met late). The worklist queries repeat this predicate.
CREATE INDEX incident_deadlines_not_met_in_time ON incident_deadlines (org_id, due_at, incident_id)
  WHERE due_at IS NOT NULL AND (met_at IS NULL OR met_at > due_at);
CREATE INDEX incident_deadlines_met ON incident_deadlines (org_id, due_at, incident_id)
  WHERE met_at <= due_at;
CREATE INDEX incident_deadlines_not_applicable ON incident_deadlines (org_id, incident_id)
  WHERE due_at IS NULL;
-- a rule's edit recomputes that rule's due dates
CREATE INDEX incident_deadlines_rule ON incident_deadlines (org_id, rule) WHERE start_at IS NOT NULL;

GRANT SELECT, INSERT, UPDATE ON incident_deadlines TO zsz_app;
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
-- transition table `changed`), set-based so an import of many incidents costs one statement.
-- Rows whose values do not change are not rewritten.
CREATE FUNCTION zsz_incident_deadlines_store() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO incident_deadlines AS d (org_id, incident_id, rule, start_at, due_at, met_at)
  SELECT n.org_id, n.id, x.rule, x.start_at,
         x.start_at + make_interval(hours => coalesce(r.hours, CASE x.rule WHEN 'csirt' THEN 24 ELSE 72 END)),
         x.met_at
  FROM changed n
  CROSS JOIN LATERAL zsz_incident_deadline_inputs(n.status, n.type, n.detected_at, n.breach, n.ksc) AS x
  LEFT JOIN deadline_rules r ON r.org_id = n.org_id AND r.rule = x.rule
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
  WHERE d.org_id = org AND d.rule = r AND d.start_at IS NOT NULL
    AND d.due_at IS DISTINCT FROM d.start_at + make_interval(hours => h);
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
CROSS JOIN LATERAL zsz_incident_deadline_inputs(i.status, i.type, i.detected_at, i.breach, i.ksc) AS x;
