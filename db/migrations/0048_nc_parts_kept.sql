-- The cards' page reads each card's history and actions from the card's own row (issue 16).
-- A page of cards probed each card's history and actions by their (org_id, nonconformity_id,
-- id) indexes: about 2 us of CPU per card and part table under row-level security, which made
-- the statement four times the raw SELECT of the cards. The parts are now kept in the card's
-- row as arrays, made when a part is written (statement triggers below), so a page is one
-- range of the (org_id, number) index. The tables stay the parts' record: the card's document
-- (zsz_nonconformity_json), the card GET, the change feed and the webhooks read them, and
-- tests/db/test_nc_render.c checks that the kept arrays render the same documents.
--
-- Kept per card (2-D arrays, an entry per part in id order, NULL when it has none):
--   history_cells  text[][]        id, from, to, by, note
--   history_at     timestamptz[][] at                         (typed: its text follows the
--   action_cells   text[][]        id, revision, nonconformity_id, type, description,
--                                  responsible, due_date, status, note, znak_sprawy
--   action_times   timestamptz[][] done_at, created_at, updated_at   reader's time zone)
-- An action's overdue is not kept: it moves with the date (the page computes it).

ALTER TABLE nonconformities ADD COLUMN history_cells text[], ADD COLUMN history_at timestamptz[],
  ADD COLUMN action_cells text[], ADD COLUMN action_times timestamptz[];

-- The kept columns are no register data: a change of them alone is no change of the card (the
-- log's documents leave them out; updated_at and revision stay).
DROP TRIGGER nonconformities_log ON nonconformities;
CREATE TRIGGER nonconformities_log AFTER INSERT OR UPDATE ON nonconformities
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('nonconformity', '', 'history_cells', 'history_at',
                                                      'action_cells', 'action_times');

-- The kept parts of the cards ids of org, from the tables (DateStyle ISO: the due date's text as
-- the API's sessions write it). The ids joined, not `= ANY (ids)`: a parameter's array is searched
-- row by row, and a seed writes the parts of 100,000 cards in one statement.
CREATE FUNCTION zsz_nc_keep_parts(org bigint, ids bigint[]) RETURNS void
  LANGUAGE sql SET DateStyle = 'ISO'
BEGIN ATOMIC
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

-- After a statement wrote parts: the cards they belong to, once each. A trigger with transition
-- tables takes one event, so three triggers per table share these functions; an update names
-- the cards before and after (no route moves a part, the database would allow it).
CREATE FUNCTION zsz_nc_parts_written() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  o bigint;
  ids bigint[];
BEGIN
  FOR o, ids IN SELECT c.org_id, array_agg(c.nonconformity_id) FROM written c GROUP BY c.org_id LOOP
    PERFORM zsz_nc_keep_parts(o, ids);
  END LOOP;
  RETURN NULL;
END
$$;

CREATE FUNCTION zsz_nc_parts_moved() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  o bigint;
  ids bigint[];
BEGIN
  FOR o, ids IN SELECT c.org_id, array_agg(c.nonconformity_id)
                FROM (SELECT org_id, nonconformity_id FROM written
                      UNION ALL SELECT org_id, nonconformity_id FROM before_write) AS c GROUP BY c.org_id LOOP
    PERFORM zsz_nc_keep_parts(o, ids);
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER nonconformity_history_kept_insert AFTER INSERT ON nonconformity_history
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION zsz_nc_parts_written();
CREATE TRIGGER nonconformity_history_kept_update AFTER UPDATE ON nonconformity_history
  REFERENCING OLD TABLE AS before_write NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION zsz_nc_parts_moved();
CREATE TRIGGER nonconformity_history_kept_delete AFTER DELETE ON nonconformity_history
  REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION zsz_nc_parts_written();
CREATE TRIGGER nonconformity_actions_kept_insert AFTER INSERT ON nonconformity_actions
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION zsz_nc_parts_written();
CREATE TRIGGER nonconformity_actions_kept_update AFTER UPDATE ON nonconformity_actions
  REFERENCING OLD TABLE AS before_write NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION zsz_nc_parts_moved();
CREATE TRIGGER nonconformity_actions_kept_delete AFTER DELETE ON nonconformity_actions
  REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION zsz_nc_parts_written();

-- the cards there are
SELECT zsz_nc_keep_parts(g.org_id, g.ids)
FROM (SELECT org_id, array_agg(id) AS ids FROM nonconformities GROUP BY org_id) AS g;
