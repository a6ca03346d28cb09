-- 0024: lookups that named a record by its id alone, written before 0019 made every tenant
-- key (org_id, ...): such a lookup can no longer use the key's index and scanned the table
-- once per row (an indicator's state read objectives and readings that way; the management
-- review's objectives section read readings that way). Each now names the organisation too.
-- The server's own statements were fixed alongside (objectives, imports).

CREATE OR REPLACE FUNCTION zsz_indicator_state(i indicators) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (
    SELECT jsonb_build_object(
             'attainment', a.attainment::text,
             'latest_period', l.period,
             'latest_value', l.value::text,
             'stale', CASE WHEN c.period IS NULL THEN false
                           ELSE NOT EXISTS (SELECT 1 FROM indicator_readings r
                                            WHERE r.org_id = i.org_id AND r.indicator_id = i.id
                                              AND r.period = c.period) END,
             'health', zsz_health(a.attainment, l.period))
    FROM (SELECT o.year FROM objectives o WHERE o.org_id = i.org_id AND o.id = i.objective_id) AS o
    LEFT JOIN LATERAL (SELECT r.period, r.value FROM indicator_readings r
                       WHERE r.org_id = i.org_id AND r.indicator_id = i.id
                       ORDER BY r.period DESC LIMIT 1) AS l ON true
    CROSS JOIN LATERAL (SELECT zsz_attainment(i, l.value) AS attainment) AS a
    CROSS JOIN LATERAL (SELECT zsz_last_closed_period(i.frequency, o.year, zsz_today()) AS period) AS c);

CREATE OR REPLACE FUNCTION zsz_mrp_objective_list_of(org bigint, f date, t date, y integer, unit bigint, iso27001_only boolean) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH o AS (
    SELECT o.id, o.org_id, o.code, o.title, o.status, o.outcome
    FROM objectives o
    WHERE o.org_id = org AND o.year = y AND o.status IN ('approved', 'closed')
      AND (NOT iso27001_only OR 'iso27001' = ANY (o.standards))
      AND (unit IS NULL OR o.org_unit_id = unit
           OR o.process_id IN (SELECT p.id FROM processes p WHERE p.org_id = org AND p.org_unit_id = unit))),
  s AS MATERIALIZED (
    SELECT i.objective_id, i.id, i.name, l.period, a.attainment, zsz_health(a.attainment, l.period) AS health
    FROM o JOIN indicators i ON i.org_id = o.org_id AND i.objective_id = o.id
    LEFT JOIN LATERAL (SELECT x.period, x.value FROM indicator_readings x
                       WHERE x.org_id = i.org_id AND x.indicator_id = i.id
                       ORDER BY x.period DESC LIMIT 1) AS l ON true
    CROSS JOIN LATERAL (SELECT zsz_attainment(i, l.value) AS attainment) AS a),
  g AS (
    SELECT s.objective_id, min(zsz_health_rank(s.health)) AS rank,
           jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name, 'attainment', s.attainment::text,
                                        'latest_period', s.period, 'health', s.health) ORDER BY s.id) AS indicators
    FROM s GROUP BY s.objective_id),
  h AS (
    SELECT o.*, coalesce((ARRAY['off_track', 'at_risk', 'no_data', 'on_track', 'achieved'])[g.rank], 'no_data') AS health,
           coalesce(g.indicators, '[]') AS indicators
    FROM o LEFT JOIN g ON g.objective_id = o.id)
  SELECT jsonb_build_object(
    'count', count(*),
    'by_health', coalesce((SELECT jsonb_object_agg(health, n) FROM (SELECT health, count(*) AS n FROM h GROUP BY health) AS c), '{}'),
    'objectives', coalesce(jsonb_agg(jsonb_build_object(
      'id', h.id, 'code', h.code, 'title', h.title, 'status', h.status, 'outcome', h.outcome, 'health', h.health,
      'indicators', h.indicators) ORDER BY h.code), '[]'))
  FROM h
$$;
