-- The cards' kept parts (0048) under concurrent writers: lock the cards, then read their parts.
--
-- 0048's zsz_nc_keep_parts was one UPDATE whose SET read the parts by subqueries. When two
-- transactions wrote actions of one card at once, the second one's UPDATE waited for the
-- first's row lock and then, under READ COMMITTED, re-checked the card's new version but
-- computed its subqueries with the snapshot it started with: it kept its own action and not the
-- one the first had just committed (seen: 4 actions, 3 kept). Now the cards are locked first
-- (FOR NO KEY UPDATE, in id order: two writers of several cards take them alike), and the
-- UPDATE is a second statement of this VOLATILE function, so its snapshot is taken after the
-- locks were granted and holds every committed part. Under REPEATABLE READ the lock fails with
-- a serialisation error instead (the caller retries), never a stale copy.
-- tests/db/test_nc_render.c, "kept parts under concurrent writers", checks it.
CREATE OR REPLACE FUNCTION zsz_nc_keep_parts(org bigint, ids bigint[]) RETURNS void
  LANGUAGE sql SET DateStyle = 'ISO'
BEGIN ATOMIC
  SELECT 1 FROM nonconformities n JOIN (SELECT DISTINCT k.id FROM unnest(ids) AS k(id)) AS k ON n.id = k.id
  WHERE n.org_id = org ORDER BY n.id FOR NO KEY UPDATE OF n;
  UPDATE nonconformities n
  SET history_cells = (SELECT array_agg(ARRAY[h.id::text, h.from_status, h.to_status, h.by, h.note])
                       FROM (SELECT h.* FROM nonconformity_history h
                             WHERE h.org_id = n.org_id AND h.nonconformity_id = n.id ORDER BY h.id) AS h),
      history_at = (SELECT array_agg(ARRAY[h.at])
                    FROM (SELECT h.* FROM nonconformity_history h
                          WHERE h.org_id = n.org_id AND h.nonconformity_id = n.id ORDER BY h.id) AS h),
      action_cells = (SELECT array_agg(ARRAY[x.id::text, x.revision::text, x.nonconformity_id::text, x.type,
                                             x.description, x.responsible, x.due_date::text, x.status, x.note,
                                             x.znak_sprawy])
                      FROM (SELECT x.* FROM nonconformity_actions x
                            WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id ORDER BY x.id) AS x),
      action_times = (SELECT array_agg(ARRAY[x.done_at, x.created_at, x.updated_at])
                      FROM (SELECT x.* FROM nonconformity_actions x
                            WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id ORDER BY x.id) AS x)
  FROM (SELECT DISTINCT k.id FROM unnest(ids) AS k(id)) AS k
  WHERE n.org_id = org AND n.id = k.id;
END;

-- cards whose copy a race of 0048 may have left short
SELECT zsz_nc_keep_parts(g.org_id, g.ids)
FROM (SELECT org_id, array_agg(id) AS ids FROM nonconformities GROUP BY org_id) AS g;
