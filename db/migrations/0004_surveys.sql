-- Satisfaction surveys: definitions, anonymous responses, single-use access codes, and the
-- aggregate counts that results are computed from (kept in the writing transaction, so a
-- result over a million responses reads a few hundred rows). Indicators gain a survey source.

CREATE TABLE surveys (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id                bigint NOT NULL REFERENCES organisations(id),
  title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  kind                  text NOT NULL CHECK (kind IN ('external_customers', 'employees', 'ad_hoc')),
  year                  integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  process_ids           bigint[] NOT NULL DEFAULT '{}',
  org_unit_ids          bigint[] NOT NULL DEFAULT '{}',
  questions             jsonb NOT NULL DEFAULT '[]',
  respondent_fields     jsonb NOT NULL DEFAULT '[]',
  opens_at              timestamptz,
  closes_at             timestamptz CHECK (closes_at > opens_at),
  target_mean           numeric NOT NULL DEFAULT 4.0 CHECK (target_mean BETWEEN 1 AND 5),
  min_group_size        integer NOT NULL DEFAULT 5 CHECK (min_group_size BETWEEN 1 AND 1000),
  access_codes_required boolean NOT NULL DEFAULT false,
  status                text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
  public_id             text NOT NULL UNIQUE CHECK (public_id ~ '^[A-Za-z0-9_-]{22}$'),
  response_count        bigint NOT NULL DEFAULT 0,
  revision              bigint NOT NULL DEFAULT 1,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id)
);
CREATE INDEX surveys_kind ON surveys (org_id, kind, year);

-- The public link names a survey without a token, so before any tenant is chosen: this map
-- (public id -> organisation) is the only thing readable without one.
CREATE TABLE survey_public_ids (
  public_id text PRIMARY KEY,
  org_id    bigint NOT NULL REFERENCES organisations(id),
  survey_id bigint NOT NULL REFERENCES surveys(id)
);
GRANT SELECT, INSERT ON survey_public_ids TO zsz_app;

-- Anonymous by construction: no address, agent, token or person; the hour only.
CREATE TABLE survey_responses (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id         bigint NOT NULL REFERENCES organisations(id),
  survey_id      bigint NOT NULL,
  submitted_hour timestamptz NOT NULL CHECK (submitted_hour = date_trunc('hour', submitted_hour)),
  answers        jsonb NOT NULL,
  respondent     jsonb NOT NULL DEFAULT '{}',
  FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id)
);
CREATE INDEX survey_responses_survey ON survey_responses (org_id, survey_id);

-- Codes are kept as SHA-256 hashes with a used flag, never linked to a response.
CREATE TABLE survey_access_codes (
  org_id    bigint NOT NULL REFERENCES organisations(id),
  survey_id bigint NOT NULL,
  code_hash text NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  used      boolean NOT NULL DEFAULT false,
  PRIMARY KEY (survey_id, code_hash),
  FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id)
);

-- counts: per question and answer value, overall (group_field '') and per respondent field
-- value; question_key '' counts responses (of the group).
CREATE TABLE survey_counts (
  org_id       bigint NOT NULL REFERENCES organisations(id),
  survey_id    bigint NOT NULL,
  question_key text NOT NULL,
  group_field  text NOT NULL,
  group_value  text NOT NULL,
  value        text NOT NULL,
  count        bigint NOT NULL,
  PRIMARY KEY (survey_id, question_key, group_field, group_value, value),
  FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id)
);

-- A survey's response counter moves with every response: logging it would record when each
-- anonymous response came, to the second. The log leaves it out.
CREATE OR REPLACE FUNCTION zsz_change_log_append() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  rec_id text;
  old_doc jsonb;
  new_doc jsonb := to_jsonb(NEW) - 'search' - 'org_id' - 'response_count';
BEGIN
  IF TG_OP = 'UPDATE' THEN
    old_doc := to_jsonb(OLD) - 'search' - 'org_id' - 'response_count';
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

CREATE TRIGGER surveys_log AFTER INSERT OR UPDATE ON surveys
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('survey');

GRANT SELECT, INSERT, UPDATE ON surveys, survey_access_codes, survey_counts TO zsz_app;
GRANT SELECT, INSERT ON survey_responses TO zsz_app;

ALTER TABLE surveys ENABLE ROW LEVEL SECURITY;
ALTER TABLE survey_responses ENABLE ROW LEVEL SECURITY;
ALTER TABLE survey_access_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE survey_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON surveys TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON survey_responses TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON survey_access_codes TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON survey_counts TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());

CREATE FUNCTION zsz_survey_json(s surveys) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', s.id, 'title', s.title, 'kind', s.kind, 'year', s.year, 'process_ids', to_json(s.process_ids),
    'org_unit_ids', to_json(s.org_unit_ids), 'questions', s.questions, 'respondent_fields', s.respondent_fields,
    'opens_at', zsz_ts(s.opens_at), 'closes_at', zsz_ts(s.closes_at), 'target_mean', s.target_mean::text,
    'min_group_size', s.min_group_size, 'access_codes_required', s.access_codes_required, 'status', s.status,
    'public_id', s.public_id, 'response_count', s.response_count,
    'created_at', zsz_ts(s.created_at), 'updated_at', zsz_ts(s.updated_at));

-- Adds a batch of responses and their tallies: $3 is a JSON array of {answers, respondent,
-- tally}. Counts are taken in a fixed order so concurrent writers lock rows alike.
CREATE FUNCTION zsz_survey_add(org bigint, survey bigint, batch jsonb) RETURNS bigint
  LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  INSERT INTO survey_responses (org_id, survey_id, submitted_hour, answers, respondent)
  SELECT org, survey, date_trunc('hour', now()), x -> 'answers', coalesce(x -> 'respondent', '{}')
  FROM jsonb_array_elements(batch) AS x;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO survey_counts AS c (org_id, survey_id, question_key, group_field, group_value, value, count)
  SELECT org, survey, q, f, g, v, count(*)
  FROM (
    -- every answer, overall and per respondent field of its response
    SELECT t ->> 0 AS q, '' AS f, '' AS g, t ->> 1 AS v
    FROM jsonb_array_elements(batch) AS x, jsonb_array_elements(x -> 'tally') AS t
    WHERE left(t ->> 0, 1) <> '@'
    UNION ALL
    SELECT t ->> 0, substr(grp ->> 0, 2), grp ->> 1, t ->> 1
    FROM jsonb_array_elements(batch) AS x, jsonb_array_elements(x -> 'tally') AS t,
         jsonb_array_elements(x -> 'tally') AS grp
    WHERE left(t ->> 0, 1) <> '@' AND left(grp ->> 0, 1) = '@'
    UNION ALL
    -- responses, overall and per group
    SELECT '', '', '', '' FROM jsonb_array_elements(batch) AS x
    UNION ALL
    SELECT '', substr(grp ->> 0, 2), grp ->> 1, ''
    FROM jsonb_array_elements(batch) AS x, jsonb_array_elements(x -> 'tally') AS grp
    WHERE left(grp ->> 0, 1) = '@'
  ) AS a
  GROUP BY q, f, g, v
  ORDER BY q, f, g, v
  ON CONFLICT (survey_id, question_key, group_field, group_value, value)
  DO UPDATE SET count = c.count + EXCLUDED.count;
  UPDATE surveys SET response_count = response_count + n WHERE id = survey AND org_id = org;
  RETURN n;
END
$$;

-- The mean of 1..5 answers of the survey: of one question, or of all scale questions (NULL).
CREATE FUNCTION zsz_survey_mean(survey bigint, question text) RETURNS numeric
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT round(sum(c.value::integer * c.count)::numeric / nullif(sum(c.count), 0), 3)
          FROM survey_counts c
          WHERE c.survey_id = survey AND c.group_field = '' AND c.value IN ('1', '2', '3', '4', '5')
            AND (question IS NULL AND c.question_key IN (
                   SELECT q ->> 'key' FROM surveys s, jsonb_array_elements(s.questions) q
                   WHERE s.id = survey AND q ->> 'type' = 'scale_1_5')
                 OR c.question_key = question));

-- ---- indicators fed by surveys ------------------------------------------------------------------
ALTER TABLE indicators DROP CONSTRAINT indicators_source_check;
ALTER TABLE indicators
  ADD CONSTRAINT indicators_source_check CHECK (source IN ('manual', 'survey')),
  ADD COLUMN survey_kind text CHECK (survey_kind IN ('external_customers', 'employees', 'ad_hoc')),
  ADD COLUMN survey_question text CHECK (survey_question ~ '^[a-z0-9_]{1,40}$'),
  ADD CONSTRAINT indicators_survey_source CHECK ((source = 'survey') = (survey_kind IS NOT NULL)
                                                 AND (source = 'survey' OR survey_question IS NULL));

CREATE OR REPLACE FUNCTION zsz_indicator_json(i indicators) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT json_build_object(
    'id', i.id, 'objective_id', i.objective_id, 'name', i.name, 'unit', i.unit,
    'direction', i.direction, 'baseline', i.baseline::text, 'target', i.target::text,
    'target_min', i.target_min::text, 'target_max', i.target_max::text, 'frequency', i.frequency,
    'source', i.source, 'survey_kind', i.survey_kind, 'survey_question', i.survey_question,
    'responsible', i.responsible,
    'attainment', s -> 'attainment', 'latest_period', s -> 'latest_period', 'latest_value', s -> 'latest_value',
    'stale', s -> 'stale', 'health', s -> 'health',
    'created_at', zsz_ts(i.created_at), 'updated_at', zsz_ts(i.updated_at))
    FROM (SELECT zsz_indicator_state(i) AS s) AS state);

-- The period of a frequency containing a date: 2026-03, 2026-Q1, 2026-H1 or 2026.
CREATE FUNCTION zsz_period_of(frequency text, d date) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN CASE frequency
    WHEN 'monthly' THEN to_char(d, 'YYYY-MM')
    WHEN 'quarterly' THEN to_char(d, 'YYYY') || '-Q' || extract(quarter FROM d)
    WHEN 'half_yearly' THEN to_char(d, 'YYYY') || '-H' || CASE WHEN extract(month FROM d) <= 6 THEN 1 ELSE 2 END
    ELSE to_char(d, 'YYYY')
  END;

-- When a survey closes: each survey-fed indicator of its kind, in an objective of its year,
-- gets the reading of the period containing closes_at (clamped into the year). Locked
-- readings stay as they are.
CREATE FUNCTION zsz_survey_feed_indicators(survey bigint) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  INSERT INTO indicator_readings AS r (org_id, indicator_id, period, value, comment, recorded_by)
  SELECT i.org_id, i.id,
         zsz_period_of(i.frequency, least(greatest(coalesce(s.closes_at, now())::date, make_date(s.year, 1, 1)),
                                          make_date(s.year, 12, 31))),
         zsz_survey_mean(s.id, i.survey_question), 'survey ' || s.id, 'system:survey'
  FROM surveys s
  JOIN indicators i ON i.org_id = s.org_id AND i.source = 'survey' AND i.survey_kind = s.kind
  JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id AND o.year = s.year
  WHERE s.id = survey AND zsz_survey_mean(s.id, i.survey_question) IS NOT NULL
  ON CONFLICT (indicator_id, period) DO UPDATE
    SET value = EXCLUDED.value, comment = EXCLUDED.comment, recorded_by = EXCLUDED.recorded_by,
        recorded_at = now(), revision = r.revision + 1
    WHERE NOT r.locked;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
