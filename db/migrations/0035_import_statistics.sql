-- Statistics that keep up with an import (issue 10).
--
-- An import writes up to 100,000 rows in one transaction and, batch after batch, looks up
-- the records it has just written (an objective by its code, an indicator by its name). The
-- planner plans those lookups with the statistics the table had before the import: for a hall
-- that is moving in they describe an empty table, every index looks equally cheap, and the
-- planner may pick the primary key (org_id, id) and filter the code, reading every objective
-- of the hall once per lookup (an import of 100,000 objectives ran for minutes, each batch
-- slower than the one before). ANALYZE inside the import's transaction counts and samples the
-- rows that transaction inserted, so the import runner calls this after its 1st, 2nd, 4th,
-- 8th... batch (the table's size doubling each time), for the tables its kind writes.
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
  done integer := 0;
  saved text := current_setting('lock_timeout');
BEGIN
  FOREACH t IN ARRAY tables LOOP
    IF t NOT IN ('processes', 'process_versions', 'objectives', 'indicators', 'objective_approvals',
                 'indicator_readings', 'incidents', 'users', 'org_units') THEN
      RAISE EXCEPTION 'zsz_import_analyze: % is not a table an import writes', t
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
      PERFORM set_config('lock_timeout', '20ms', true);
      EXECUTE format('ANALYZE %I', t);
      PERFORM set_config('lock_timeout', saved, true); -- the rest of the import keeps its own
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
