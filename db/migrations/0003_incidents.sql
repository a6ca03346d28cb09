-- The IOD's register of information-security incidents, with the personal-data breach
-- section (GDPR art. 33/34) and the KSC section (art. 22), a timeline, per-organisation
-- deadline rules, and the deadlines computed on every read.
--
-- The breach and KSC sections are jsonb documents validated by the server (their members
-- are listed in docs/design-incidents.md); their times are stored normalised to UTC text.

CREATE TABLE incident_counters (
  org_id bigint NOT NULL REFERENCES organisations(id),
  year   integer NOT NULL,
  last   integer NOT NULL,
  PRIMARY KEY (org_id, year)
);

CREATE TABLE incidents (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id                bigint NOT NULL REFERENCES organisations(id),
  number                text NOT NULL,
  title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description           text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
  kind                  text NOT NULL DEFAULT 'event' CHECK (kind IN ('event', 'incident')),
  categories            text[] NOT NULL DEFAULT '{}'
                        CHECK (categories <@ ARRAY['confidentiality', 'integrity', 'availability']),
  type                  text NOT NULL CHECK (type IN ('personal_data_breach', 'cyber', 'it_failure', 'physical', 'other')),
  occurred_at           timestamptz,
  detected_at           timestamptz NOT NULL,
  reported_at           timestamptz NOT NULL DEFAULT now(),
  reporter              text NOT NULL,
  source                text NOT NULL DEFAULT 'internal' CHECK (source IN ('internal', 'external')),
  affected_systems      text[] NOT NULL DEFAULT '{}',
  affected_org_unit_ids bigint[] NOT NULL DEFAULT '{}',
  severity              integer CHECK (severity BETWEEN 1 AND 5),
  status                text NOT NULL DEFAULT 'reported'
                        CHECK (status IN ('reported', 'triage', 'investigating', 'resolved', 'closed', 'dismissed')),
  status_reason         text CHECK (length(status_reason) <= 2000),
  resolution            text NOT NULL DEFAULT '' CHECK (length(resolution) <= 20000),
  lessons_learned       text NOT NULL DEFAULT '' CHECK (length(lessons_learned) <= 20000),
  evidence              jsonb NOT NULL DEFAULT '[]',
  breach                jsonb CHECK (breach IS NULL OR type = 'personal_data_breach'),
  ksc                   jsonb CHECK (ksc IS NULL OR type = 'cyber'),
  revision              bigint NOT NULL DEFAULT 1,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, number),
  UNIQUE (org_id, id)
);
CREATE INDEX incidents_reporter ON incidents (org_id, reporter, id);
CREATE INDEX incidents_reported ON incidents (org_id, reported_at);

CREATE TABLE incident_timeline (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      bigint NOT NULL REFERENCES organisations(id),
  incident_id bigint NOT NULL,
  at          timestamptz NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('detection', 'analysis', 'containment', 'eradication', 'recovery',
                                            'notification', 'note')),
  text        text NOT NULL CHECK (length(text) BETWEEN 1 AND 5000),
  author      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, incident_id) REFERENCES incidents (org_id, id)
);
CREATE INDEX incident_timeline_incident ON incident_timeline (org_id, incident_id, at, id);

CREATE TABLE deadline_rules (
  org_id   bigint NOT NULL REFERENCES organisations(id),
  rule     text NOT NULL CHECK (rule IN ('uodo', 'csirt', 'subjects')),
  hours    integer NOT NULL CHECK (hours BETWEEN 1 AND 8760),
  revision bigint NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, rule)
);

CREATE TRIGGER incidents_log AFTER INSERT OR UPDATE ON incidents
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('incident');
CREATE TRIGGER incident_timeline_log AFTER INSERT OR UPDATE ON incident_timeline
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('incident_timeline');
-- deadline rules have no id: record them under the rule name
CREATE OR REPLACE FUNCTION zsz_change_log_append() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  rec_id text;
  old_doc jsonb;
  new_doc jsonb := to_jsonb(NEW) - 'search' - 'org_id';
BEGIN
  IF TG_OP = 'UPDATE' THEN
    old_doc := to_jsonb(OLD) - 'search' - 'org_id';
    IF old_doc = new_doc THEN
      RETURN NULL;
    END IF;
  END IF;
  rec_id := CASE TG_ARGV[0]
    WHEN 'indicator_reading' THEN (new_doc ->> 'indicator_id') || '/' || (new_doc ->> 'period')
    WHEN 'deadline_rule' THEN new_doc ->> 'rule'
    ELSE coalesce(new_doc ->> 'id', new_doc ->> 'sub', new_doc ->> 'process_id')
  END;
  -- Serialise log appends per organisation until commit, so that ids inside one
  -- organisation are handed out in commit order: a feed reader using after=<id> never
  -- skips a row that commits later with a smaller id.
  PERFORM pg_advisory_xact_lock(738100, NEW.org_id::integer);
  INSERT INTO change_log (org_id, entity, record_id, action, actor, before, after)
  VALUES (NEW.org_id, TG_ARGV[0], rec_id,
          coalesce(nullif(current_setting('zsz.action', true), ''),
                   CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END),
          coalesce(nullif(current_setting('zsz.actor', true), ''), 'system:' || current_user),
          old_doc, new_doc);
  RETURN NULL;
END
$$;
CREATE TRIGGER deadline_rules_log AFTER INSERT OR UPDATE ON deadline_rules
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('deadline_rule');

GRANT SELECT, INSERT, UPDATE ON incident_counters, incidents, deadline_rules TO zsz_app;
GRANT SELECT, INSERT ON incident_timeline TO zsz_app;

ALTER TABLE incident_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_timeline ENABLE ROW LEVEL SECURITY;
ALTER TABLE deadline_rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON incident_counters TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON incidents TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON incident_timeline TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON deadline_rules TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());

-- ---- deadlines ----------------------------------------------------------------------------
CREATE FUNCTION zsz_deadline_hours(org bigint, r text) RETURNS integer
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce((SELECT hours FROM deadline_rules d WHERE d.org_id = org AND d.rule = r),
                  CASE r WHEN 'csirt' THEN 24 ELSE 72 END);

-- One deadline: not_applicable when it does not apply (applies false or no start), met when
-- met at or before due, missed when met late or past due, else pending. Real elapsed hours:
-- timestamptz plus an interval of hours is exact whatever the local clock does.
CREATE FUNCTION zsz_deadline(r text, applies boolean, start_at timestamptz, hours integer, met_at timestamptz)
  RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT jsonb_build_object(
            'rule', r,
            'due_at', CASE WHEN ok THEN to_jsonb(date_trunc('second', due)) END,
            'met_at', CASE WHEN ok THEN to_jsonb(date_trunc('second', met_at)) END,
            'state', CASE WHEN NOT ok THEN 'not_applicable'
                          WHEN met_at IS NOT NULL AND met_at <= due THEN 'met'
                          WHEN met_at IS NOT NULL OR now() > due THEN 'missed'
                          ELSE 'pending' END)
          FROM (SELECT coalesce(applies, false) AND start_at IS NOT NULL AS ok,
                       start_at + make_interval(hours => hours) AS due) AS d);

CREATE FUNCTION zsz_incident_deadlines(i incidents) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_array(
    zsz_deadline('uodo',
                 i.status <> 'dismissed' AND i.type = 'personal_data_breach'
                   AND coalesce(i.breach ->> 'risk_level', '') <> 'none',
                 (i.breach ->> 'aware_at')::timestamptz, zsz_deadline_hours(i.org_id, 'uodo'),
                 (i.breach ->> 'uodo_notified_at')::timestamptz),
    zsz_deadline('csirt', i.status <> 'dismissed' AND i.type = 'cyber', i.detected_at,
                 zsz_deadline_hours(i.org_id, 'csirt'), (i.ksc ->> 'csirt_reported_at')::timestamptz),
    zsz_deadline('subjects',
                 i.status <> 'dismissed' AND i.breach ->> 'risk_level' = 'high'
                   AND coalesce(i.breach ->> 'subjects_exemption', '') = '',
                 (i.breach ->> 'aware_at')::timestamptz, zsz_deadline_hours(i.org_id, 'subjects'),
                 (i.breach ->> 'subjects_notified_at')::timestamptz));

-- Every member of a section, null until set, so clients see its whole shape.
CREATE FUNCTION zsz_breach_template() RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN '{"aware_at": null, "breach_nature": null, "data_categories": [], "subjects_count": null,
           "records_count": null, "likely_consequences": null, "measures_taken": null, "risk_level": null,
           "uodo_notified_at": null, "uodo_reference": null, "uodo_supplements": [],
           "uodo_not_notified_reason": null, "uodo_late_reason": null, "subjects_notified_at": null,
           "subjects_notification_method": null, "subjects_exemption": null,
           "subjects_exemption_justification": null}'::jsonb;

CREATE FUNCTION zsz_ksc_template() RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN '{"csirt": null, "public_task_affected": null, "people_affected": null, "duration": null,
           "csirt_reported_at": null, "csirt_reference": null, "csirt_supplements": []}'::jsonb;

-- ---- documents, by view --------------------------------------------------------------------
-- view: 'full' (IOD, president), 'manager' (plenipotentiary: breach reduced to risk_level),
-- 'reporter' (the one who reported it: number, title, status).
CREATE FUNCTION zsz_incident_json(i incidents, view text) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE WHEN view = 'reporter' THEN
    json_build_object('id', i.id, 'number', i.number, 'title', i.title, 'status', i.status,
                      'reported_at', zsz_ts(i.reported_at))
  ELSE json_build_object(
    'id', i.id, 'number', i.number, 'title', i.title, 'description', i.description, 'kind', i.kind,
    'categories', to_json(i.categories), 'type', i.type, 'occurred_at', zsz_ts(i.occurred_at),
    'detected_at', zsz_ts(i.detected_at), 'reported_at', zsz_ts(i.reported_at), 'reporter', i.reporter,
    'source', i.source, 'affected_systems', to_json(i.affected_systems),
    'affected_org_unit_ids', to_json(i.affected_org_unit_ids), 'severity', i.severity, 'status', i.status,
    'status_reason', i.status_reason, 'resolution', i.resolution, 'lessons_learned', i.lessons_learned,
    'evidence', i.evidence,
    'breach', CASE WHEN i.breach IS NULL THEN NULL
                   WHEN view = 'full' THEN zsz_breach_template() || i.breach
                   ELSE jsonb_build_object('risk_level', i.breach -> 'risk_level') END,
    'ksc', CASE WHEN i.ksc IS NOT NULL THEN zsz_ksc_template() || i.ksc END,
    'deadlines', zsz_incident_deadlines(i),
    'created_at', zsz_ts(i.created_at), 'updated_at', zsz_ts(i.updated_at))
  END;

CREATE FUNCTION zsz_timeline_json(t incident_timeline) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', t.id, 'at', zsz_ts(t.at), 'kind', t.kind, 'text', t.text, 'author', t.author,
                           'created_at', zsz_ts(t.created_at));
