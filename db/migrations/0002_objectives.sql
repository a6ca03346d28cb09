-- Objectives (ISO 9001 6.2.2) with approvals and revisions, indicators with readings, and the
-- semi-annual process reviews. Computed indicator state (attainment, stale, health) is
-- defined here once, as SQL functions evaluated on every read: never stored, never stale.

CREATE TABLE objectives (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id            bigint NOT NULL REFERENCES organisations(id),
  code              text NOT NULL CHECK (code ~ '^[A-Za-z0-9._-]{1,32}$'),
  year              integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description       text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
  strategy_ref      text NOT NULL DEFAULT '' CHECK (length(strategy_ref) <= 500),
  standards         text[] NOT NULL DEFAULT '{}'
                    CHECK (standards <@ ARRAY['iso9001', 'iso27001', 'iso14001']),
  process_id        bigint,
  org_unit_id       bigint,
  owner             text CHECK (length(owner) BETWEEN 1 AND 200),
  planned_actions   text NOT NULL DEFAULT '' CHECK (length(planned_actions) <= 20000),
  resources         text NOT NULL DEFAULT '' CHECK (length(resources) <= 20000),
  due_date          date CHECK (due_date >= make_date(year, 1, 1)),
  evaluation_method text NOT NULL DEFAULT '' CHECK (length(evaluation_method) <= 20000),
  status            text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'proposed', 'approved', 'closed', 'cancelled')),
  outcome           text CHECK (outcome IN ('achieved', 'partially_achieved', 'not_achieved')),
  status_reason     text CHECK (length(status_reason) <= 2000),
  approved_version  integer NOT NULL DEFAULT 0,
  revision          bigint NOT NULL DEFAULT 1,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, code),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, process_id) REFERENCES processes (org_id, id),
  FOREIGN KEY (org_id, org_unit_id) REFERENCES org_units (org_id, id)
);
CREATE INDEX objectives_year ON objectives (org_id, year DESC, code, id);

CREATE TABLE objective_revisions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id          bigint NOT NULL REFERENCES organisations(id),
  objective_id    bigint NOT NULL,
  changes         jsonb NOT NULL,
  reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  requested_by    text NOT NULL,
  requested_at    timestamptz NOT NULL DEFAULT now(),
  decided_by      text,
  decided_at      timestamptz,
  decision_reason text CHECK (length(decision_reason) <= 2000),
  revision        bigint NOT NULL DEFAULT 1,
  FOREIGN KEY (org_id, objective_id) REFERENCES objectives (org_id, id)
);
-- one pending revision per objective
CREATE UNIQUE INDEX objective_revisions_pending ON objective_revisions (objective_id) WHERE status = 'pending';

CREATE TABLE objective_approvals (
  org_id       bigint NOT NULL REFERENCES organisations(id),
  objective_id bigint NOT NULL,
  version      integer NOT NULL,
  approved_by  text NOT NULL,
  approved_at  timestamptz NOT NULL DEFAULT now(),
  revision_id  bigint REFERENCES objective_revisions(id),
  changes      jsonb NOT NULL,
  PRIMARY KEY (objective_id, version),
  FOREIGN KEY (org_id, objective_id) REFERENCES objectives (org_id, id)
);

CREATE TABLE indicators (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id       bigint NOT NULL REFERENCES organisations(id),
  objective_id bigint NOT NULL,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  unit         text NOT NULL DEFAULT '' CHECK (length(unit) <= 32),
  direction    text NOT NULL CHECK (direction IN ('increase', 'decrease', 'range')),
  baseline     numeric,
  target       numeric,
  target_min   numeric,
  target_max   numeric,
  frequency    text NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'half_yearly', 'yearly')),
  source       text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual')),
  responsible  text CHECK (length(responsible) BETWEEN 1 AND 200),
  revision     bigint NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, objective_id) REFERENCES objectives (org_id, id),
  -- the targets each direction needs (the API says which field is at fault first)
  CHECK ((direction = 'increase' AND baseline IS NOT NULL AND target > baseline AND target_min IS NULL AND target_max IS NULL)
      OR (direction = 'decrease' AND baseline IS NOT NULL AND target < baseline AND target_min IS NULL AND target_max IS NULL)
      OR (direction = 'range' AND target IS NULL AND target_min <= target_max))
);
CREATE INDEX indicators_objective ON indicators (org_id, objective_id, id);

CREATE TABLE indicator_readings (
  org_id       bigint NOT NULL REFERENCES organisations(id),
  indicator_id bigint NOT NULL,
  period       text NOT NULL CHECK (period ~ '^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$'),
  value        numeric NOT NULL, -- unconstrained numeric keeps the scale given: 12.50 stays 12.50
  comment      text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
  recorded_by  text NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  locked       boolean NOT NULL DEFAULT false,
  locked_by    text,
  locked_at    timestamptz,
  revision     bigint NOT NULL DEFAULT 1,
  PRIMARY KEY (indicator_id, period),
  FOREIGN KEY (org_id, indicator_id) REFERENCES indicators (org_id, id)
);

CREATE TABLE process_reviews (
  id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id                    bigint NOT NULL REFERENCES organisations(id),
  process_id                bigint NOT NULL,
  period                    text NOT NULL CHECK (period ~ '^\d{4}-H[12]$'),
  held_on                   date,
  participants              text[] NOT NULL DEFAULT '{}',
  indicator_analysis        text NOT NULL DEFAULT '' CHECK (length(indicator_analysis) <= 20000),
  description_current       boolean,
  good_practices            text NOT NULL DEFAULT '' CHECK (length(good_practices) <= 20000),
  risks_and_nonconformities text NOT NULL DEFAULT '' CHECK (length(risks_and_nonconformities) <= 20000),
  improvement_actions       jsonb NOT NULL DEFAULT '[]',
  status                    text NOT NULL DEFAULT 'draft'
                            CHECK (status IN ('draft', 'submitted', 'accepted', 'returned')),
  feedback                  text CHECK (length(feedback) <= 2000),
  submitted_at              timestamptz,
  accepted_at               timestamptz,
  revision                  bigint NOT NULL DEFAULT 1,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, process_id, period),
  FOREIGN KEY (org_id, process_id) REFERENCES processes (org_id, id)
);

-- ---- change log --------------------------------------------------------------------------
-- Readings are identified by indicator and period.
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
  IF TG_ARGV[0] = 'indicator_reading' THEN
    rec_id := (new_doc ->> 'indicator_id') || '/' || (new_doc ->> 'period');
  ELSE
    rec_id := coalesce(new_doc ->> 'id', new_doc ->> 'sub', new_doc ->> 'process_id');
  END IF;
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

CREATE TRIGGER objectives_log AFTER INSERT OR UPDATE ON objectives
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('objective');
CREATE TRIGGER objective_revisions_log AFTER INSERT OR UPDATE ON objective_revisions
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('objective_revision');
CREATE TRIGGER indicators_log AFTER INSERT OR UPDATE ON indicators
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('indicator');
CREATE TRIGGER indicator_readings_log AFTER INSERT OR UPDATE ON indicator_readings
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('indicator_reading');
CREATE TRIGGER process_reviews_log AFTER INSERT OR UPDATE ON process_reviews
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('process_review');

GRANT SELECT, INSERT, UPDATE ON objectives, objective_revisions, indicators, indicator_readings,
  process_reviews TO zsz_app;
GRANT SELECT, INSERT ON objective_approvals TO zsz_app;

ALTER TABLE objectives ENABLE ROW LEVEL SECURITY;
ALTER TABLE objective_revisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE objective_approvals ENABLE ROW LEVEL SECURITY;
ALTER TABLE indicators ENABLE ROW LEVEL SECURITY;
ALTER TABLE indicator_readings ENABLE ROW LEVEL SECURITY;
ALTER TABLE process_reviews ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON objectives TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON objective_revisions TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON objective_approvals TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON indicators TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON indicator_readings TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON process_reviews TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());

-- ---- periods -------------------------------------------------------------------------------
-- Months of the year elapsed at the end of a period: 2026-03 -> 3, 2026-Q2 -> 6, 2026-H1 -> 6,
-- 2026 -> 12.
CREATE FUNCTION zsz_period_months(p text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN CASE
    WHEN length(p) = 4 THEN 12
    WHEN substr(p, 6, 1) = 'Q' THEN 3 * substr(p, 7, 1)::integer
    WHEN substr(p, 6, 1) = 'H' THEN 6 * substr(p, 7, 1)::integer
    ELSE substr(p, 6, 2)::integer
  END;

CREATE FUNCTION zsz_frequency_months(f text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN CASE f WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 WHEN 'half_yearly' THEN 6 ELSE 12 END;

-- The label of the k-th period of a year for a frequency.
CREATE FUNCTION zsz_period_label(f text, y integer, k integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN CASE f
    WHEN 'monthly' THEN y || '-' || lpad(k::text, 2, '0')
    WHEN 'quarterly' THEN y || '-Q' || k
    WHEN 'half_yearly' THEN y || '-H' || k
    ELSE y::text
  END;

CREATE FUNCTION zsz_today() RETURNS date
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (now() AT TIME ZONE 'UTC')::date;

-- ---- computed indicator state ---------------------------------------------------------------
-- Attainment: percent of the way from baseline to target (clamped to 0..100, one decimal);
-- for a range, 100 inside it, less the further outside (relative to the range's width).
CREATE FUNCTION zsz_attainment(i indicators, v numeric) RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
    WHEN v IS NULL THEN NULL
    WHEN i.direction = 'range' THEN
      round(greatest(0, 100 - 100 * (CASE WHEN v < i.target_min THEN i.target_min - v
                                          WHEN v > i.target_max THEN v - i.target_max ELSE 0 END)
                                 / greatest(i.target_max - i.target_min, abs(i.target_min), 1)), 1)
    ELSE round(least(100, greatest(0, (v - i.baseline) / (i.target - i.baseline) * 100)), 1)
  END;

CREATE FUNCTION zsz_health(attainment numeric, latest_period text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
    WHEN attainment IS NULL THEN 'no_data'
    WHEN attainment >= 100 THEN 'achieved'
    WHEN attainment >= zsz_period_months(latest_period) * 100.0 / 12 - 10 THEN 'on_track'
    WHEN attainment >= zsz_period_months(latest_period) * 100.0 / 12 - 25 THEN 'at_risk'
    ELSE 'off_track'
  END;

-- The last period of the objective's year that ended more than 15 days ago, or NULL.
CREATE FUNCTION zsz_last_closed_period(frequency text, y integer, today date) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT zsz_period_label(frequency, y, max(k))
          FROM generate_series(1, 12 / zsz_frequency_months(frequency)) AS k
          WHERE (make_date(y, 1, 1) + make_interval(months => k * zsz_frequency_months(frequency)))::date + 15 <= today
          HAVING max(k) IS NOT NULL);

CREATE FUNCTION zsz_indicator_state(i indicators) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (
    SELECT jsonb_build_object(
             'attainment', a.attainment::text,
             'latest_period', l.period,
             'latest_value', l.value::text,
             'stale', CASE WHEN c.period IS NULL THEN false
                           ELSE NOT EXISTS (SELECT 1 FROM indicator_readings r
                                            WHERE r.indicator_id = i.id AND r.period = c.period) END,
             'health', zsz_health(a.attainment, l.period))
    FROM (SELECT o.year FROM objectives o WHERE o.id = i.objective_id) AS o
    LEFT JOIN LATERAL (SELECT r.period, r.value FROM indicator_readings r
                       WHERE r.indicator_id = i.id ORDER BY r.period DESC LIMIT 1) AS l ON true
    CROSS JOIN LATERAL (SELECT zsz_attainment(i, l.value) AS attainment) AS a
    CROSS JOIN LATERAL (SELECT zsz_last_closed_period(i.frequency, o.year, zsz_today()) AS period) AS c);

-- Worst first: off_track < at_risk < no_data < on_track < achieved.
CREATE FUNCTION zsz_health_rank(h text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN array_position(ARRAY['off_track', 'at_risk', 'no_data', 'on_track', 'achieved'], h);

CREATE FUNCTION zsz_objective_health(o objectives) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce((SELECT (ARRAY['off_track', 'at_risk', 'no_data', 'on_track', 'achieved'])
                            [min(zsz_health_rank(zsz_indicator_state(i) ->> 'health'))]
                   FROM indicators i WHERE i.org_id = o.org_id AND i.objective_id = o.id), 'no_data');

-- ---- documents -------------------------------------------------------------------------------
CREATE FUNCTION zsz_objective_json(o objectives) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', o.id, 'code', o.code, 'year', o.year, 'title', o.title, 'description', o.description,
    'strategy_ref', o.strategy_ref, 'standards', to_json(o.standards), 'process_id', o.process_id,
    'org_unit_id', o.org_unit_id, 'owner', o.owner, 'planned_actions', o.planned_actions,
    'resources', o.resources, 'due_date', o.due_date, 'evaluation_method', o.evaluation_method,
    'status', o.status, 'outcome', o.outcome, 'status_reason', o.status_reason,
    'approved_version', o.approved_version, 'health', zsz_objective_health(o),
    'created_at', zsz_ts(o.created_at), 'updated_at', zsz_ts(o.updated_at));

CREATE FUNCTION zsz_indicator_json(i indicators) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT json_build_object(
    'id', i.id, 'objective_id', i.objective_id, 'name', i.name, 'unit', i.unit,
    'direction', i.direction, 'baseline', i.baseline::text, 'target', i.target::text,
    'target_min', i.target_min::text, 'target_max', i.target_max::text, 'frequency', i.frequency,
    'source', i.source, 'responsible', i.responsible,
    'attainment', s -> 'attainment', 'latest_period', s -> 'latest_period', 'latest_value', s -> 'latest_value',
    'stale', s -> 'stale', 'health', s -> 'health',
    'created_at', zsz_ts(i.created_at), 'updated_at', zsz_ts(i.updated_at))
    FROM (SELECT zsz_indicator_state(i) AS s) AS state);

CREATE FUNCTION zsz_reading_json(r indicator_readings) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'indicator_id', r.indicator_id, 'period', r.period, 'value', r.value::text, 'comment', r.comment,
    'recorded_by', r.recorded_by, 'recorded_at', zsz_ts(r.recorded_at), 'locked', r.locked,
    'locked_by', r.locked_by, 'locked_at', zsz_ts(r.locked_at));

CREATE FUNCTION zsz_revision_json(r objective_revisions) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', r.id, 'objective_id', r.objective_id, 'changes', r.changes, 'reason', r.reason,
    'status', r.status, 'requested_by', r.requested_by, 'requested_at', zsz_ts(r.requested_at),
    'decided_by', r.decided_by, 'decided_at', zsz_ts(r.decided_at), 'decision_reason', r.decision_reason);

CREATE FUNCTION zsz_approval_json(a objective_approvals) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'version', a.version, 'approved_by', a.approved_by, 'approved_at', zsz_ts(a.approved_at),
    'revision_id', a.revision_id, 'changes', a.changes);

-- Review due date: minutes of H1 by 15 August, of H2 by 15 February of the next year.
CREATE FUNCTION zsz_review_due(period text) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN CASE right(period, 1)
    WHEN '1' THEN make_date(left(period, 4)::integer, 8, 15)
    ELSE make_date(left(period, 4)::integer + 1, 2, 15)
  END;

CREATE FUNCTION zsz_review_json(r process_reviews) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', r.id, 'process_id', r.process_id, 'period', r.period, 'due_by', zsz_review_due(r.period),
    'held_on', r.held_on, 'participants', to_json(r.participants),
    'indicator_analysis', r.indicator_analysis, 'description_current', r.description_current,
    'good_practices', r.good_practices, 'risks_and_nonconformities', r.risks_and_nonconformities,
    'improvement_actions', r.improvement_actions, 'status', r.status, 'feedback', r.feedback,
    'submitted_at', zsz_ts(r.submitted_at), 'accepted_at', zsz_ts(r.accepted_at),
    'created_at', zsz_ts(r.created_at), 'updated_at', zsz_ts(r.updated_at));

-- A CSV field for Polish spreadsheets: quoted when it holds ';', '"' or a line break.
CREATE FUNCTION zsz_csv(v text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN v IS NULL THEN ''
              WHEN v ~ '[;"\r\n]' THEN '"' || replace(v, '"', '""') || '"'
              ELSE v END;
