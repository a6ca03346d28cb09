-- 0052, issues 16 and 10: the incidents' import back under its aim after 0050.
--
-- 0050 made zsz_incident_deadline_times the one definition of which deadlines apply: the
-- generated column deadline_times computes it for every row written, and the stored deadlines'
-- writer (zsz_incident_deadlines_store, through zsz_incident_deadline_inputs) read it too.
-- Measured on the import of 100,000 incidents (scripts/bench.sh imports): 4.8-5.3 s before 0050,
-- 19.3 s after. The function is SQL with a sub-SELECT declared IMMUTABLE over casts that are
-- only STABLE (text to timestamptz): PostgreSQL inlines neither, so every call ran the SQL
-- function executor, about 15 us (1.5 s for 100,000 rows); and zsz_incident_deadline_inputs,
-- inlined into the writer's statement, named it twice per rule: six calls per incident, 10 s
-- for 100,000.
--
-- Now:
--   * zsz_incident_deadline_times is PL/pgSQL: the same expressions, evaluated by PL/pgSQL's
--     simple-expression path (100,000 calls: 1.5 s -> 0.06 s), returning at once when no rule
--     applies (most incidents). tests/db/test_incident_render.c compares it with 0050's SQL
--     body, kept there verbatim, over every combination of the inputs it reads.
--   * the writer reads the new rows' generated deadline_times (a transition table holds the
--     generated columns), so the times are computed once per row, when the row is written;
--     zsz_incident_deadline_inputs has no caller left and is dropped.

CREATE OR REPLACE FUNCTION zsz_incident_deadline_times(status text, type text, detected_at timestamptz, breach jsonb,
                                                       ksc jsonb)
  RETURNS timestamptz[]
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  uodo boolean := coalesce(status <> 'dismissed' AND type = 'personal_data_breach'
                           AND coalesce(breach ->> 'risk_level', '') <> 'none', false);
  csirt boolean := coalesce(status <> 'dismissed' AND type = 'cyber', false);
  subjects boolean := coalesce(status <> 'dismissed' AND breach ->> 'risk_level' = 'high'
                               AND coalesce(breach ->> 'subjects_exemption', '') = '', false);
  t timestamptz[];
BEGIN
  -- no rule applies: every start is NULL, so the answer is (0050's CASE below)
  IF NOT (uodo OR csirt OR subjects) THEN
    RETURN NULL;
  END IF;
  t := ARRAY[CASE WHEN uodo THEN (breach ->> 'aware_at')::timestamptz END,
             CASE WHEN uodo AND breach ->> 'aware_at' IS NOT NULL
                  THEN (breach ->> 'uodo_notified_at')::timestamptz END,
             CASE WHEN csirt THEN detected_at END,
             CASE WHEN csirt AND detected_at IS NOT NULL
                  THEN (ksc ->> 'csirt_reported_at')::timestamptz END,
             CASE WHEN subjects THEN (breach ->> 'aware_at')::timestamptz END,
             CASE WHEN subjects AND breach ->> 'aware_at' IS NOT NULL
                  THEN (breach ->> 'subjects_notified_at')::timestamptz END];
  RETURN CASE WHEN t[1] IS NOT NULL OR t[3] IS NOT NULL OR t[5] IS NOT NULL THEN t END;
END
$$;

-- 0032's writer, the rules' start and met times taken from deadline_times ({uodo start, met,
-- csirt start, met, subjects start, met}).
CREATE OR REPLACE FUNCTION zsz_incident_deadlines_store() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM incident_deadlines d
    USING changed n
    CROSS JOIN (VALUES ('uodo', 1), ('csirt', 3), ('subjects', 5)) AS x (rule, k)
    WHERE d.org_id = n.org_id AND d.incident_id = n.id AND d.rule = x.rule AND n.deadline_times[x.k] IS NULL;
  END IF;
  INSERT INTO incident_deadlines AS d (org_id, incident_id, rule, start_at, due_at, met_at)
  SELECT n.org_id, n.id, x.rule, n.deadline_times[x.k],
         n.deadline_times[x.k] + make_interval(hours => coalesce(r.hours, CASE x.rule WHEN 'csirt' THEN 24 ELSE 72 END)),
         n.deadline_times[x.k + 1]
  FROM changed n
  CROSS JOIN (VALUES ('uodo', 1), ('csirt', 3), ('subjects', 5)) AS x (rule, k)
  LEFT JOIN deadline_rules r ON r.org_id = n.org_id AND r.rule = x.rule
  WHERE n.deadline_times[x.k] IS NOT NULL
  ON CONFLICT (org_id, incident_id, rule) DO UPDATE
    SET start_at = EXCLUDED.start_at, due_at = EXCLUDED.due_at, met_at = EXCLUDED.met_at
    WHERE (d.start_at, d.due_at, d.met_at) IS DISTINCT FROM (EXCLUDED.start_at, EXCLUDED.due_at, EXCLUDED.met_at);
  RETURN NULL;
END
$$;

DROP FUNCTION zsz_incident_deadline_inputs(text, text, timestamptz, jsonb, jsonb);
