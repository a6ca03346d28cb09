-- 0030: the change feed of issue 11 (docs/design.md, "The change feed").
--
-- 1. Gap-free without serialising a hall's writes. Until now every change-log append took
--    the organisation's advisory lock (738100, org) until commit, so that ids followed commit
--    order: one long transaction (an import, a slow client) stalled all other writes of its
--    hall. Now each entry records the top-level transaction that wrote it (xid, xid8) and the
--    feed is ordered by (xid, id) and serves only entries whose xid is below the oldest
--    transaction still running (pg_snapshot_xmin(pg_current_snapshot())): every transaction
--    that could still add an entry has an xid at or above that horizon, so the prefix served
--    never changes afterwards, whatever the commit order. Entries written before this
--    migration get xid 1: they keep their id order (which was the commit order), before every
--    later entry.
-- 2. Entries as API records: zsz_feed_entry(c, roles, sub) renders {id, at, entity,
--    record_id, action, actor, record}, record being the record as its own GET renders it to
--    that caller, reconstituted from the logged row; NULL when the caller may not see it.
-- 3. A NOTIFY per statement that appends to the log, for long polling (zsz_changes, payload
--    the organisation id).

ALTER TABLE change_log ADD COLUMN xid xid8 NOT NULL DEFAULT '1';
ALTER TABLE change_log ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
-- the feed's order; xid8's comparison operators are leakproof, so the index serves zsz_app
-- under row-level security
CREATE INDEX change_log_feed ON change_log (org_id, xid, id);

-- The trigger function of 0006 without the lock. pg_current_xact_id() (the column default)
-- is the top-level transaction's id, also inside a savepoint (an import's dry run).
CREATE OR REPLACE FUNCTION zsz_change_log_append() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  hidden text[] := CASE WHEN TG_NARGS > 2 THEN TG_ARGV[2:TG_NARGS - 1] ELSE '{}'::text[] END;
  new_doc jsonb := to_jsonb(NEW) - 'org_id' - hidden;
  old_doc jsonb;
  rec_id text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    old_doc := to_jsonb(OLD) - 'org_id' - hidden;
    IF old_doc = new_doc THEN
      RETURN NULL;
    END IF;
  END IF;
  IF TG_NARGS > 1 AND TG_ARGV[1] <> '' THEN
    SELECT string_agg(new_doc ->> k, '/' ORDER BY n) INTO rec_id
    FROM unnest(string_to_array(TG_ARGV[1], '/')) WITH ORDINALITY AS key(k, n);
  ELSE
    rec_id := coalesce(new_doc ->> 'id', new_doc ->> 'sub', new_doc ->> 'process_id');
  END IF;
  INSERT INTO change_log (org_id, entity, record_id, action, actor, before, after)
  VALUES (NEW.org_id, TG_ARGV[0], rec_id,
          coalesce(nullif(current_setting('zsz.action', true), ''),
                   CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END),
          coalesce(nullif(current_setting('zsz.actor', true), ''), 'system:' || current_user),
          old_doc, new_doc);
  RETURN NULL;
END
$$;

-- Waiting readers (wait=) are woken when an organisation's log grows: one notification per
-- statement and organisation (PostgreSQL folds repeats within a transaction). The
-- notification is sent at commit; PostgreSQL serialises the commits of notifying
-- transactions for that instant only.
CREATE FUNCTION zsz_change_log_notify() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  org bigint;
BEGIN
  FOR org IN SELECT DISTINCT n.org_id FROM appended n LOOP
    PERFORM pg_notify('zsz_changes', org::text);
  END LOOP;
  RETURN NULL;
END
$$;
CREATE TRIGGER change_log_notify AFTER INSERT ON change_log
  REFERENCING NEW TABLE AS appended
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_change_log_notify();

-- Users: a change of roles is a register write worth logging too (who may do what); the
-- rest of what tokens refresh (last_seen_at, the name of a user the directory does not keep)
-- is not.
DROP TRIGGER users_log ON users;
CREATE TRIGGER users_log AFTER UPDATE ON users
  FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.email IS DISTINCT FROM NEW.email
                     OR OLD.active <> NEW.active OR OLD.directory <> NEW.directory
                     OR OLD.roles IS DISTINCT FROM NEW.roles
                     OR (NEW.directory AND OLD.name <> NEW.name))
  EXECUTE FUNCTION zsz_change_log_append('user', '', 'search', 'last_seen_at', 'revision', 'updated_at');
DROP TRIGGER users_log_insert ON users;
CREATE TRIGGER users_log_insert AFTER INSERT ON users
  FOR EACH ROW WHEN (NEW.directory)
  EXECUTE FUNCTION zsz_change_log_append('user', '', 'search', 'last_seen_at', 'revision', 'updated_at');

-- Which entities a reader of the feed sees, by its roles (the route admits the president,
-- the plenipotentiary, the IOD and integrations with changes:read):
-- - the president: every entity;
-- - the plenipotentiary: every entity but incidents and their timeline (GET .../timeline is
--   the IOD's and the president's); the feed itself adds incidents in the plenipotentiary's
--   reduced view (zsz_feed_entry), which a rule on the entity alone cannot promise: webhook
--   deliveries (0031) ask this rule and, until their bodies are feed entries, send the row;
-- - the IOD: its own registers (incidents, their timeline, deadline rules and events), the
--   ISO 27001 registers (risks, the risk matrix, the SoA), the directory (org units, users,
--   the process scheme), processes and their change requests, objectives and indicators,
--   audit programmes and management reviews; not process reviews and surveys (which it may
--   not read), nor appointments, audits, findings and nonconformities, which it reads only
--   record by record under rules of their registers;
-- - an integration: every entity but incidents and their timeline (its GET of an incident
--   finds none) and deadline rules (the IOD's).
-- Survey responses are never in the log. The widest of the caller's roles applies.
CREATE OR REPLACE FUNCTION zsz_change_visible(entity text, roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 'president' = ANY (roles)
      OR ('plenipotentiary' = ANY (roles) AND entity NOT IN ('incident', 'incident_timeline'))
      OR ('iod' = ANY (roles) AND entity IN (
            'incident', 'incident_timeline', 'deadline_rule', 'deadline', 'risk_matrix', 'risk',
            'risk_assessment', 'risk_action', 'risk_review', 'soa_entry', 'soa', 'org_unit', 'user',
            'process_scheme', 'process', 'process_change_request', 'objective', 'objective_revision',
            'indicator', 'indicator_reading', 'audit_programme', 'management_review_rule',
            'management_review', 'management_review_package', 'management_review_decision'))
      OR ('integration' = ANY (roles)
          AND entity NOT IN ('incident', 'incident_timeline', 'deadline_rule'));

-- The record of an entry as its own GET renders it to a caller with these roles and sub, from
-- the row after the write (the log leaves org_id out; renderers look up related rows by it).
-- Records without a GET of their own by key (deadline rules, management review rules and
-- packages, risk reviews, SoA entries and state) and deadline events (written by the deadline
-- job, no table) are the logged document itself. NULL when the caller may not read the record
-- (an incident without a view). PL/pgSQL, not SQL: PostgreSQL 15 plans a SQL function that
-- it cannot inline at every call, and this one has a branch per entity (1.6 s a page of 57
-- entries as a SQL function); PL/pgSQL keeps each branch's plan for the session.
CREATE FUNCTION zsz_feed_record(c change_log, roles text[], sub text) RETURNS json
  LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  r jsonb := c.after || jsonb_build_object('org_id', c.org_id);
  i incidents;
  view text;
  -- the row as a variable: a renderer called on a variable is inlined into the statement
  row_org_units org_units;
  row_users users;
  row_processes processes;
  row_process_change_requests process_change_requests;
  row_process_schemes process_schemes;
  row_objectives objectives;
  row_objective_revisions objective_revisions;
  row_indicators indicators;
  row_indicator_readings indicator_readings;
  row_process_reviews process_reviews;
  row_incident_timeline incident_timeline;
  row_surveys surveys;
  row_auditor_appointments auditor_appointments;
  row_audits audits;
  row_audit_findings audit_findings;
  row_nonconformities nonconformities;
  row_nonconformity_actions nonconformity_actions;
  row_audit_programmes audit_programmes;
  row_management_reviews management_reviews;
  row_management_review_decisions management_review_decisions;
  row_risk_matrices risk_matrices;
  row_risks risks;
  row_risk_assessments risk_assessments;
  row_risk_actions risk_actions;
BEGIN
  CASE c.entity
    WHEN 'org_unit' THEN
      row_org_units := jsonb_populate_record(NULL::org_units, r);
      RETURN zsz_org_unit_json(row_org_units);
    WHEN 'user' THEN
      row_users := jsonb_populate_record(NULL::users, r);
      RETURN zsz_user_json(row_users);
    WHEN 'process' THEN
      row_processes := jsonb_populate_record(NULL::processes, r);
      RETURN zsz_process_json(row_processes);
    WHEN 'process_change_request' THEN
      row_process_change_requests := jsonb_populate_record(NULL::process_change_requests, r);
      RETURN zsz_change_request_json(row_process_change_requests);
    WHEN 'process_scheme' THEN
      row_process_schemes := jsonb_populate_record(NULL::process_schemes, r);
      RETURN zsz_process_scheme_json(row_process_schemes, (SELECT o.process_scheme FROM organisations o WHERE o.id = c.org_id));
    WHEN 'objective' THEN
      row_objectives := jsonb_populate_record(NULL::objectives, r);
      RETURN zsz_objective_json(row_objectives);
    WHEN 'objective_revision' THEN
      row_objective_revisions := jsonb_populate_record(NULL::objective_revisions, r);
      RETURN zsz_revision_json(row_objective_revisions);
    WHEN 'indicator' THEN
      row_indicators := jsonb_populate_record(NULL::indicators, r);
      RETURN zsz_indicator_json(row_indicators);
    WHEN 'indicator_reading' THEN
      row_indicator_readings := jsonb_populate_record(NULL::indicator_readings, r);
      RETURN zsz_reading_json(row_indicator_readings);
    WHEN 'process_review' THEN
      row_process_reviews := jsonb_populate_record(NULL::process_reviews, r);
      RETURN zsz_review_json(row_process_reviews);
    WHEN 'incident' THEN
      i := jsonb_populate_record(NULL::incidents, r);
      view := zsz_incident_view(i, roles, sub);
      RETURN CASE WHEN view IS NOT NULL THEN zsz_incident_json(i, view) END;
    WHEN 'incident_timeline' THEN
      row_incident_timeline := jsonb_populate_record(NULL::incident_timeline, r);
      RETURN zsz_timeline_json(row_incident_timeline);
    WHEN 'survey' THEN
      row_surveys := jsonb_populate_record(NULL::surveys, r);
      RETURN zsz_survey_json(row_surveys);
    WHEN 'auditor_appointment' THEN
      row_auditor_appointments := jsonb_populate_record(NULL::auditor_appointments, r);
      RETURN zsz_appointment_json(row_auditor_appointments);
    WHEN 'audit' THEN
      row_audits := jsonb_populate_record(NULL::audits, r);
      RETURN zsz_audit_json(row_audits);
    WHEN 'audit_finding' THEN
      row_audit_findings := jsonb_populate_record(NULL::audit_findings, r);
      RETURN zsz_finding_json(row_audit_findings);
    WHEN 'nonconformity' THEN
      row_nonconformities := jsonb_populate_record(NULL::nonconformities, r);
      RETURN zsz_nonconformity_json(row_nonconformities);
    WHEN 'nonconformity_action' THEN
      row_nonconformity_actions := jsonb_populate_record(NULL::nonconformity_actions, r);
      RETURN zsz_action_json(row_nonconformity_actions);
    WHEN 'audit_programme' THEN
      row_audit_programmes := jsonb_populate_record(NULL::audit_programmes, r);
      RETURN zsz_programme_json(row_audit_programmes);
    WHEN 'management_review' THEN
      row_management_reviews := jsonb_populate_record(NULL::management_reviews, r);
      RETURN zsz_mr_json(row_management_reviews);
    WHEN 'management_review_decision' THEN
      row_management_review_decisions := jsonb_populate_record(NULL::management_review_decisions, r);
      RETURN zsz_mr_decision_json(row_management_review_decisions);
    WHEN 'risk_matrix' THEN
      row_risk_matrices := jsonb_populate_record(NULL::risk_matrices, r);
      RETURN zsz_risk_matrix_json(row_risk_matrices);
    WHEN 'risk' THEN
      row_risks := jsonb_populate_record(NULL::risks, r);
      RETURN zsz_risk_json(row_risks);
    WHEN 'risk_assessment' THEN
      row_risk_assessments := jsonb_populate_record(NULL::risk_assessments, r);
      RETURN zsz_risk_assessment_json(row_risk_assessments);
    WHEN 'risk_action' THEN
      row_risk_actions := jsonb_populate_record(NULL::risk_actions, r);
      RETURN zsz_risk_action_json(row_risk_actions);
    WHEN 'deadline', 'webhook' THEN
      -- documents their writers made as the API shows them (a DeadlineEvent, zsz_webhook_json)
      RETURN c.after::json;
    ELSE
      -- the logged row, its timestamps to the second as everywhere (zsz_ts)
      RETURN (SELECT jsonb_object_agg(d.key, CASE WHEN jsonb_typeof(d.value) = 'string' AND d.value #>> '{}'
                                                         ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$'
                                                       THEN zsz_ts((d.value #>> '{}')::timestamptz)::jsonb
                                                       ELSE d.value END)::json
              FROM jsonb_each(c.after) AS d);
  END CASE;
END
$$;

-- Who reads an entry, feed and webhooks alike: zsz_change_visible by entity and roles, plus the
-- incidents the plenipotentiary reads in its reduced view (zsz_feed_record renders them as
-- GET /incidents/{id} does for it), minus a deadline event about an incident (record_id
-- incident/..., written by the deadline job, 0032) for anyone who does not read incidents
-- whole: its document names the incident, unreduced.
CREATE FUNCTION zsz_feed_visible(entity text, record_id text, roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (zsz_change_visible(entity, roles) OR (entity = 'incident' AND 'plenipotentiary' = ANY (roles)))
     AND NOT (entity = 'deadline' AND record_id LIKE 'incident/%' AND NOT roles && ARRAY['iod', 'president']);

-- One entry of the feed as the caller (roles, sub) receives it; NULL when it may not see it.
-- The webhooks' delivery bodies are these documents too (0031).
CREATE FUNCTION zsz_feed_entry(c change_log, roles text[], sub text) RETURNS json
  LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  record json;
BEGIN
  IF NOT zsz_feed_visible(c.entity, c.record_id, roles) THEN
    RETURN NULL;
  END IF;
  record := zsz_feed_record(c, roles, sub);
  IF record IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN json_build_object('id', c.id, 'at', zsz_ts(c.at), 'entity', c.entity, 'record_id', c.record_id,
                           'action', c.action, 'actor', c.actor, 'record', record);
END
$$;
