-- 0050: what the incidents' documents derive from a row, kept on the row (issue 16; README,
-- "Incidents' list statement"; docs/design-incidents.md, "Rendered in C").
--
-- The list's statement did three things per row besides reading it: a probe of
-- incident_deadlines for the three deadlines (an index scan and an aggregate per incident:
-- about a quarter of the statement's time), `zsz_breach_template() || breach` and
-- `zsz_ksc_template() || ksc` (a jsonb merge per section). Here the merged sections and the
-- deadlines' start and met times are generated columns of incidents: computed when the row is
-- written from the row itself, never written by anything else, so a rule's edit or this
-- migration writes no row of incidents and no entry of the change log (ADD COLUMN ... STORED
-- rewrites the table without firing triggers). The due dates still follow the organisation's
-- current rules: the statement reads them once (zsz_deadline_rule_hours, below) and adds them
-- to the start times, as zsz_incident_deadlines() (0003) does per call. The change log's
-- documents of an incident (to_jsonb of the row) carry the three columns from now on; what the
-- feed and the webhooks send is rendered by zsz_incident_json, which does not read them.

-- The start and met times of an incident's three deadlines as zsz_incident_deadlines() reads
-- them: {uodo start, uodo met, csirt start, csirt met, subjects start, subjects met}, a start
-- NULL when the rule does not apply, a met time NULL then too; NULL when none applies (most
-- incidents: a read then subscripts a NULL, which costs nothing, instead of an array). The one
-- definition of which deadlines apply: zsz_incident_deadline_inputs (0032, the stored deadlines' writer) is
-- redefined below to read it. IMMUTABLE for the generated column: the times it casts are the
-- sections' texts, which the server stores normalised to UTC with their offset (see 0003), so
-- their value does not depend on the session's TimeZone or DateStyle.
CREATE FUNCTION zsz_incident_deadline_times(status text, type text, detected_at timestamptz, breach jsonb,
                                            ksc jsonb)
  RETURNS timestamptz[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (SELECT CASE WHEN t[1] IS NOT NULL OR t[3] IS NOT NULL OR t[5] IS NOT NULL THEN t END
          FROM (SELECT ARRAY[CASE WHEN uodo THEN (breach ->> 'aware_at')::timestamptz END,
                             CASE WHEN uodo AND breach ->> 'aware_at' IS NOT NULL
                                  THEN (breach ->> 'uodo_notified_at')::timestamptz END,
                             CASE WHEN csirt THEN detected_at END,
                             CASE WHEN csirt AND detected_at IS NOT NULL
                                  THEN (ksc ->> 'csirt_reported_at')::timestamptz END,
                             CASE WHEN subjects THEN (breach ->> 'aware_at')::timestamptz END,
                             CASE WHEN subjects AND breach ->> 'aware_at' IS NOT NULL
                                  THEN (breach ->> 'subjects_notified_at')::timestamptz END] AS t
                FROM (SELECT coalesce(status <> 'dismissed' AND type = 'personal_data_breach'
                                        AND coalesce(breach ->> 'risk_level', '') <> 'none', false) AS uodo,
                             coalesce(status <> 'dismissed' AND type = 'cyber', false) AS csirt,
                             coalesce(status <> 'dismissed' AND breach ->> 'risk_level' = 'high'
                                        AND coalesce(breach ->> 'subjects_exemption', '') = '', false) AS subjects)
                     AS a) AS x);

CREATE OR REPLACE FUNCTION zsz_incident_deadline_inputs(status text, type text, detected_at timestamptz,
                                                        breach jsonb, ksc jsonb)
  RETURNS TABLE (rule text, start_at timestamptz, met_at timestamptz)
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT x.rule, t.times[x.k], t.times[x.k + 1]
  FROM (SELECT zsz_incident_deadline_times(status, type, detected_at, breach, ksc) AS times) AS t
  CROSS JOIN (VALUES ('uodo', 1), ('csirt', 3), ('subjects', 5)) AS x (rule, k)
$$;

-- The organisation's deadline rules in hours, defaults where it has none: one row. A SQL
-- function returning a table of one SELECT, which PostgreSQL inlines into the statement that
-- reads it in FROM (zsz_deadline_hours, a scalar function holding a sub-SELECT, is not inlined
-- and is planned again in every statement that calls it); zsz_deadline_hours reads it, so the
-- defaults are written once.
CREATE FUNCTION zsz_deadline_rule_hours(org bigint) RETURNS TABLE (uodo integer, csirt integer, subjects integer)
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(max(d.hours) FILTER (WHERE d.rule = 'uodo'), 72),
         coalesce(max(d.hours) FILTER (WHERE d.rule = 'csirt'), 24),
         coalesce(max(d.hours) FILTER (WHERE d.rule = 'subjects'), 72)
  FROM deadline_rules d WHERE d.org_id = org
$$;

CREATE OR REPLACE FUNCTION zsz_deadline_hours(org bigint, r text) RETURNS integer
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT CASE r WHEN 'uodo' THEN h.uodo WHEN 'csirt' THEN h.csirt ELSE h.subjects END
          FROM zsz_deadline_rule_hours(org) AS h);

-- The sections as the documents show them (every member, null until set), and the deadlines'
-- times. Generated columns cannot be written: the server's INSERT and UPDATE name the columns
-- they write, as do the imports.
ALTER TABLE incidents
  ADD COLUMN breach_doc jsonb GENERATED ALWAYS AS (zsz_breach_template() || breach) STORED,
  ADD COLUMN ksc_doc jsonb GENERATED ALWAYS AS (zsz_ksc_template() || ksc) STORED,
  ADD COLUMN deadline_times timestamptz[]
    GENERATED ALWAYS AS (zsz_incident_deadline_times(status, type, detected_at, breach, ksc)) STORED;


-- The view the caller has of incident i, given the view its roles give (role_view, of
-- zsz_incident_role_view): a list computes that once per statement (an InitPlan) and this per
-- row, where zsz_incident_view computed the roles' part per row, in the filter and in each
-- column naming the view (array operators on the roles: a tenth of the list's statement).
-- zsz_incident_view reads it, so the rule is written once. role_view is named once in the
-- body, so that PostgreSQL still inlines zsz_incident_view into its callers (a parameter
-- named twice is not substituted when its expression costs more than a few operators).
CREATE FUNCTION zsz_incident_row_view(i incidents, role_view text, sub text) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(nullif(role_view, 'reporter'), CASE WHEN i.reporter = sub THEN 'reporter' END);

CREATE OR REPLACE FUNCTION zsz_incident_view(i incidents, roles text[], sub text) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_incident_row_view(i, zsz_incident_role_view(roles), sub);

-- The derived columns are no register data: the change log's documents leave them out, as
-- they left out nothing before (the import's own log entries likewise, kind_incidents.c).
DROP TRIGGER incidents_log ON incidents;
CREATE TRIGGER incidents_log AFTER INSERT OR UPDATE ON incidents
  FOR EACH ROW WHEN (NEW.import_id IS NULL OR NEW.import_id::text IS DISTINCT FROM current_setting('zsz.import_id', true))
  EXECUTE FUNCTION zsz_change_log_append('incident', '', 'breach_doc', 'ksc_doc', 'deadline_times');
