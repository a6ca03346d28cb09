-- Bulk imports with history kept, and idempotent POSTs (issue 10, part B; docs/design-imports.md).

-- ---- imports ------------------------------------------------------------------------------
-- One row per import that wrote (a dry run writes nothing, this row included). The records it
-- wrote carry its id (import_id), rendered as provenance: {"import_id": N}.
CREATE TABLE imports (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      bigint NOT NULL REFERENCES organisations(id),
  kind        text NOT NULL CHECK (kind ~ '^[a-z_]{1,32}$'),
  mode        text NOT NULL CHECK (mode IN ('insert', 'upsert', 'merge', 'full')),
  format      text NOT NULL CHECK (format IN ('json', 'ndjson', 'csv')),
  importer    text NOT NULL,
  rows        integer NOT NULL DEFAULT 0,
  created     integer NOT NULL DEFAULT 0,
  updated     integer NOT NULL DEFAULT 0,
  unchanged   integer NOT NULL DEFAULT 0,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  UNIQUE (org_id, id)
);
CREATE INDEX imports_org ON imports (org_id, id);

GRANT SELECT, INSERT, UPDATE ON imports TO zsz_app;
ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON imports TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());

-- Record rule: who sees an import (and so learns that it happened): an import of incidents
-- only the IOD and the president, as the incidents themselves; the others the
-- plenipotentiary, the president and the IOD.
CREATE FUNCTION zsz_import_visible(kind text, roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN kind = 'incidents' THEN roles && ARRAY['iod', 'president']::text[]
              ELSE roles && ARRAY['plenipotentiary', 'president', 'iod']::text[] END;

CREATE FUNCTION zsz_import_json(i imports) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', i.id, 'kind', i.kind, 'mode', i.mode, 'format', i.format, 'importer', i.importer,
                           'rows', i.rows, 'created', i.created, 'updated', i.updated, 'unchanged', i.unchanged,
                           'started_at', zsz_ts(i.started_at), 'finished_at', zsz_ts(i.finished_at));

CREATE FUNCTION zsz_provenance(import_id bigint) RETURNS json
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN import_id IS NOT NULL THEN json_build_object('import_id', import_id) END;

ALTER TABLE processes ADD COLUMN import_id bigint;
ALTER TABLE processes ADD FOREIGN KEY (org_id, import_id) REFERENCES imports (org_id, id);
ALTER TABLE incidents ADD COLUMN import_id bigint;
ALTER TABLE incidents ADD FOREIGN KEY (org_id, import_id) REFERENCES imports (org_id, id);
ALTER TABLE indicator_readings ADD COLUMN import_id bigint;
ALTER TABLE indicator_readings ADD FOREIGN KEY (org_id, import_id) REFERENCES imports (org_id, id);

-- A bulk import logs the records it writes itself, set-based, in the statement that writes
-- them (one entry per record, action import, by the importer: the same entries the trigger
-- would write): the row trigger, a PL/pgSQL call per row, was most of an import's time. The
-- trigger stands aside only for a row that carries the id of the import this transaction is
-- running (zsz.import_id, set by the import runner); every other write is logged by it as
-- before.
DROP TRIGGER processes_log ON processes;
CREATE TRIGGER processes_log AFTER INSERT OR UPDATE ON processes
  FOR EACH ROW WHEN (NEW.import_id IS NULL OR NEW.import_id::text IS DISTINCT FROM current_setting('zsz.import_id', true))
  EXECUTE FUNCTION zsz_change_log_append('process', '', 'search');
DROP TRIGGER incidents_log ON incidents;
CREATE TRIGGER incidents_log AFTER INSERT OR UPDATE ON incidents
  FOR EACH ROW WHEN (NEW.import_id IS NULL OR NEW.import_id::text IS DISTINCT FROM current_setting('zsz.import_id', true))
  EXECUTE FUNCTION zsz_change_log_append('incident');
DROP TRIGGER indicator_readings_log ON indicator_readings;
CREATE TRIGGER indicator_readings_log AFTER INSERT OR UPDATE ON indicator_readings
  FOR EACH ROW WHEN (NEW.import_id IS NULL OR NEW.import_id::text IS DISTINCT FROM current_setting('zsz.import_id', true))
  EXECUTE FUNCTION zsz_change_log_append('indicator_reading', 'indicator_id/period');

CREATE OR REPLACE FUNCTION zsz_process_json(p processes) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', p.id, 'code', p.code, 'name', p.name, 'category', p.category,
                           'parent_id', p.parent_id, 'owner', p.owner, 'org_unit_id', p.org_unit_id,
                           'description', p.description, 'status', p.status, 'version', p.version,
                           'created_at', zsz_ts(p.created_at), 'updated_at', zsz_ts(p.updated_at),
                           'provenance', zsz_provenance(p.import_id));

CREATE OR REPLACE FUNCTION zsz_reading_json(r indicator_readings) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'indicator_id', r.indicator_id, 'period', r.period, 'value', r.value::text, 'comment', r.comment,
    'recorded_by', r.recorded_by, 'recorded_at', zsz_ts(r.recorded_at), 'locked', r.locked,
    'locked_by', r.locked_by, 'locked_at', zsz_ts(r.locked_at), 'provenance', zsz_provenance(r.import_id));

CREATE OR REPLACE FUNCTION zsz_incident_json(i incidents, view text) RETURNS json
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
    'created_at', zsz_ts(i.created_at), 'updated_at', zsz_ts(i.updated_at),
    'provenance', zsz_provenance(i.import_id))
  END;

-- A reading's period fits its indicator's frequency and its objective's year (what
-- api/lib/period.c period_valid says, for a set-based check of an import).
CREATE FUNCTION zsz_import_period_fits(period text, frequency text, year integer) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN left(period, 4) = year::text AND CASE frequency
    WHEN 'monthly' THEN period ~ '^\d{4}-(0[1-9]|1[0-2])$'
    WHEN 'quarterly' THEN period ~ '^\d{4}-Q[1-4]$'
    WHEN 'half_yearly' THEN period ~ '^\d{4}-H[12]$'
    WHEN 'yearly' THEN period ~ '^\d{4}$'
    ELSE false END;

-- ---- idempotency keys ---------------------------------------------------------------------
-- The first answer to a POST sent with an Idempotency-Key, per caller (organisation, sub) and
-- key, with the SHA-256 of what was asked (method, path, query, body), kept 24 hours. Written
-- in the transaction of the write it answers, so there is an answer exactly when the write
-- committed. In PostgreSQL, so every instance of the server sees it.
CREATE TABLE idempotency_keys (
  org_id       bigint NOT NULL REFERENCES organisations(id),
  sub          text NOT NULL,
  key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash text NOT NULL,
  status       integer NOT NULL,
  body         text NOT NULL,
  content_type text,
  location     text,
  etag         bigint,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL DEFAULT now() + interval '24 hours',
  PRIMARY KEY (org_id, sub, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (org_id, expires_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO zsz_app;
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON idempotency_keys TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
