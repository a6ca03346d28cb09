-- 0053, issues 16 and 10: an objective's stored health (0047) recomputed from its indicators'
-- kept health (0051), and written only when it changes.
--
-- The refresh cost most of what 0047 and 0051 added to the imports (scripts/bench.sh imports,
-- 100,000 rows: objectives each with an indicator 7.4-7.7 s before 0047, 12.6 s after; readings
-- 3.7-4.4 s, 8.4-9.5 s; pg_stat_user_functions: 5.5 s in zsz_objective_health_refresh). Two
-- parts of it:
--   * it wrote every objective it recomputed, changed or not, so that under REPEATABLE READ a
--     second writer would fail to serialise rather than keep a health computed from a snapshot
--     missing the first writer's reading. Every write of the server runs under READ COMMITTED,
--     where the lock taken first (FOR NO KEY UPDATE, held to commit whether the row is written
--     or not) already makes the second writer wait and compute from a snapshot taken after the
--     first committed. An objectives import wrote every objective twice, its change-log trigger
--     comparing both versions each time. Now only changed rows are written under READ
--     COMMITTED; under another isolation level every row still is.
--   * it computed the health with zsz_objective_health_of, two probes of the readings per
--     indicator. The indicators keep their health since 0051 (a generated column over the kept
--     latest reading and the targets, equal to zsz_indicator_calc's: test_objective_health.c),
--     so the objective's is the worst of its indicators' columns, one range of an index.
--     zsz_objective_health_of stays the definition; the DB test compares the stored health with
--     it after every kind of write.
-- Recomputing 500 objectives (an import's batch): about 10 ms -> 5 ms, of which 3.5 ms is the
-- lock; recomputing 108,334 indicators' objectives in one statement, health unchanged: 6.3 s
-- -> 2.5 s.

CREATE OR REPLACE FUNCTION zsz_objective_health_refresh(orgs bigint[], ids bigint[]) RETURNS void
  LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  every_row boolean := current_setting('transaction_isolation') <> 'read committed';
BEGIN
  IF orgs IS NULL THEN
    RETURN;
  END IF;
  PERFORM 1 FROM objectives o JOIN unnest(orgs, ids) AS k(org_id, id) ON o.org_id = k.org_id AND o.id = k.id
    ORDER BY o.id FOR NO KEY UPDATE OF o;
  UPDATE objectives o SET health = h.health
    FROM (SELECT DISTINCT k.org_id, k.id FROM unnest(orgs, ids) AS k(org_id, id)) AS k
    CROSS JOIN LATERAL (SELECT zsz_health_of_rank(min(zsz_health_rank(i.health))) AS health FROM indicators i
                        WHERE i.org_id = k.org_id AND i.objective_id = k.id) AS h
    WHERE o.org_id = k.org_id AND o.id = k.id AND (every_row OR o.health IS DISTINCT FROM h.health);
END
$$;
