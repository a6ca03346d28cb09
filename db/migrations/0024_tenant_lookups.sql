-- 0024: lookups that named a record by its id alone, written before 0019 made every tenant
-- key (org_id, ...): such a lookup can no longer use the key's index and scanned the table
-- once per row (an indicator's state read objectives and readings that way). It now names the
-- organisation too.
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
