-- Statistics that keep up with an import (issue 10).
--
-- An import writes up to 100,000 rows in one transaction and, batch after batch, looks up
-- the records it has just written (an objective by its code, an indicator by its name). The
-- planner plans those lookups with the statistics the table had before the import: for a hall
-- that is moving in they describe an empty table, every index looks equally cheap, and the
-- planner may pick the primary key (org_id, id) and filter the code, reading every objective
-- of the hall once per lookup (an import of 100,000 objectives ran for minutes, each batch
-- slower than the one before). ANALYZE inside the import's transaction counts and samples the
-- rows that transaction inserted, so the import runner calls this after its 1st, 4th, 16th,
-- 64th... batch (the table's size four times what it was), for the tables its kind writes.
--
-- Only the columns the lookups use, from a small sample (statistics target 10: 3,000 rows):
-- what the planner lacked is the table's size and the keys' distinctness, and a full ANALYZE
-- of three tables took half a second each time, this about 0.1 s. Autovacuum analyses the table in full once
-- the import has committed (it changed far more than 10% of it).
--
-- The server's role may not ANALYZE (only a table's owner may), hence SECURITY DEFINER, with
-- a fixed list of tables. ANALYZE takes SHARE UPDATE EXCLUSIVE on the table until the import
-- commits; it does not block writes, but it does block another ANALYZE: a second import into
-- the same table (another hall's) does not wait for it, it skips the refresh (lock_timeout)
-- and keeps the statistics the first one wrote.
CREATE FUNCTION zsz_import_analyze(tables text[]) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t text;
  keys text;
  done integer := 0;
  saved_timeout text := current_setting('lock_timeout');
  saved_target text := current_setting('default_statistics_target');
BEGIN
  FOREACH t IN ARRAY tables LOOP
    keys := CASE t
      WHEN 'processes' THEN 'org_id, code'
      WHEN 'process_versions' THEN 'org_id, process_id'
      WHEN 'objectives' THEN 'org_id, code'
      WHEN 'indicators' THEN 'org_id, objective_id, name'
      WHEN 'objective_approvals' THEN 'org_id, objective_id'
      WHEN 'indicator_readings' THEN 'org_id, indicator_id, period'
      WHEN 'incidents' THEN 'org_id, number'
      WHEN 'users' THEN 'org_id, sub'
      WHEN 'org_units' THEN 'org_id, code'
    END;
    IF keys IS NULL THEN
      RAISE EXCEPTION 'zsz_import_analyze: % is not a table an import writes', t
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
      PERFORM set_config('lock_timeout', '20ms', true);
      PERFORM set_config('default_statistics_target', '10', true);
      EXECUTE format('ANALYZE %I (%s)', t, keys);
      -- the rest of the import keeps its own settings
      PERFORM set_config('lock_timeout', saved_timeout, true);
      PERFORM set_config('default_statistics_target', saved_target, true);
      done := done + 1;
    EXCEPTION WHEN lock_not_available THEN
      NULL; -- another import holds the table's statistics lock: keep what it wrote
    END;
  END LOOP;
  RETURN done;
END
$$;
REVOKE ALL ON FUNCTION zsz_import_analyze(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION zsz_import_analyze(text[]) TO zsz_app;

-- Foreign keys that check nothing the others do not, dropped: each costs a lookup in
-- organisations per row written (an import of 100,000 objectives wrote 400,000 such checks).
-- A version, an indicator, an approval and a reading name their organisation together with
-- their parent ((org_id, process_id) -> processes (org_id, id), NOT NULL): that parent exists
-- in this organisation, so the organisation exists. A change-log row copies org_id from the
-- record it logs (a trigger's NEW.org_id, an import's own organisation), which was checked
-- when that record was written; organisations are never deleted.
ALTER TABLE process_versions DROP CONSTRAINT process_versions_org_id_fkey;
ALTER TABLE indicators DROP CONSTRAINT indicators_org_id_fkey;
ALTER TABLE objective_approvals DROP CONSTRAINT objective_approvals_org_id_fkey;
ALTER TABLE indicator_readings DROP CONSTRAINT indicator_readings_org_id_fkey;
ALTER TABLE change_log DROP CONSTRAINT change_log_org_id_fkey;

-- A record's provenance (import_id, 0018) is checked once per statement instead of once per
-- row: the foreign key ran a lookup in imports for each of the 100,000 rows an import writes
-- (with the parent keys, half of an objectives import's foreign-key time). The statement's
-- new rows are checked together, on insert and on update; the server's role may not delete
-- an import (0018 grants it SELECT, INSERT, UPDATE), so a checked reference stays valid.
CREATE FUNCTION zsz_import_id_check() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n WHERE n.import_id IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM imports i WHERE i.org_id = n.org_id AND i.id = n.import_id)) THEN
    RAISE EXCEPTION '% names an import that does not exist', TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_TABLE_NAME || '_import_id_check';
  END IF;
  RETURN NULL;
END
$$;
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['processes', 'incidents', 'indicator_readings', 'objectives', 'indicators'] LOOP
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t, t || '_org_id_import_id_fkey');
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION zsz_import_id_check()', t || '_import_id_insert', t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION zsz_import_id_check()', t || '_import_id_update', t);
  END LOOP;
END
$$;
