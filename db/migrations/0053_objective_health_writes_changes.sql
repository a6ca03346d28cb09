-- 0053, issues 16 and 10: an objective's stored health (0047) written only when it changes.
--
-- zsz_objective_health_refresh wrote every objective it recomputed, changed or not, so that under
-- REPEATABLE READ a second writer would fail to serialise rather than keep a health computed from
-- a snapshot missing the first writer's reading. Every write of the server runs under READ
-- COMMITTED, where the lock taken first (FOR NO KEY UPDATE, held to commit whether the row is
-- written or not) already makes the second writer wait and compute from a snapshot taken after
-- the first committed. The unchanged rows' writes were most of the refresh: an import of 100,000
-- objectives, each with an indicator (health no_data before and after), wrote every objective
-- twice, its change-log trigger comparing both versions each time: 7.4-7.7 s before 0047,
-- 12.6 s after (scripts/bench.sh imports). Recomputing the health of 108,334 indicators'
-- objectives in one statement: 6.3 s, 2.5 s writing only the changes.
--
-- Under another isolation level every row is still written, as before.

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
    JOIN objectives x ON x.org_id = k.org_id AND x.id = k.id
    CROSS JOIN LATERAL zsz_objective_health_of(x) AS h
    WHERE o.org_id = k.org_id AND o.id = k.id AND (every_row OR o.health IS DISTINCT FROM h.health);
END
$$;
