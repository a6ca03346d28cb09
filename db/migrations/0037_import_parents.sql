-- 0037: an objective's organisation, and an indicator's and an approval's objective, checked
-- once per statement instead of once per row (issue 10).
--
-- An import of 100,000 objectives, each with its approval and an indicator, ran 300,000
-- foreign-key checks: each a query through SPI that finds the parent row and locks it FOR KEY
-- SHARE (a heap write and a WAL record for each), about 5.6 us a row, a fifth of the
-- import's time in the database (auto_explain's trigger times over batches of 500). The
-- statement triggers below check the statement's new rows together: one index probe per
-- row, the organisations once per distinct organisation, and no lock.
--
-- The lock is what the constraint needs against a parent deleted at the same time; here the
-- parents are never deleted: the server's role may not delete objectives or organisations
-- (no DELETE is granted on them), and the statement triggers on the parents refuse a delete
-- that would orphan a row, or a change of a parent's key, to whoever tries (the schema owner
-- included), as the constraints did. The failure is the constraint's: SQLSTATE 23503 with the
-- constraint's name, so the server maps it to the same field as before.
--
-- The checks read the parents as the schema owner (SECURITY DEFINER), as a foreign key does:
-- row-level security plays no part in whether a parent exists.

CREATE FUNCTION zsz_parents_check() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_TABLE_NAME = 'objectives' THEN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT n.org_id FROM new_rows n) n
               WHERE (SELECT true FROM organisations o WHERE o.id = n.org_id) IS NULL) THEN
      RAISE EXCEPTION 'an objective names an organisation that does not exist'
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'objectives_org_id_fkey';
    END IF;
  ELSE
    -- indicators and objective_approvals: their objective, probed on its primary key (a
    -- scalar subquery per row: a NOT EXISTS would be planned as an anti join reading every
    -- objective, the transition table having no statistics)
    IF EXISTS (SELECT 1 FROM new_rows n
               WHERE (SELECT true FROM objectives o WHERE o.org_id = n.org_id AND o.id = n.objective_id) IS NULL) THEN
      RAISE EXCEPTION '% names an objective that does not exist', TG_TABLE_NAME
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_TABLE_NAME || '_org_id_objective_id_fkey';
    END IF;
  END IF;
  RETURN NULL;
END
$$;

-- A parent row that goes (or whose key changes) while a row still names it: refused.
CREATE FUNCTION zsz_parents_keep() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_TABLE_NAME = 'organisations' THEN
    IF EXISTS (SELECT 1 FROM old_rows d WHERE EXISTS (SELECT 1 FROM objectives x WHERE x.org_id = d.id)) THEN
      RAISE EXCEPTION 'objectives still name this organisation'
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'objectives_org_id_fkey';
    END IF;
  ELSIF EXISTS (SELECT 1 FROM old_rows d WHERE EXISTS (SELECT 1 FROM indicators x WHERE x.org_id = d.org_id
                                                        AND x.objective_id = d.id)) THEN
    RAISE EXCEPTION 'indicators still name this objective'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'indicators_org_id_objective_id_fkey';
  ELSIF EXISTS (SELECT 1 FROM old_rows d WHERE EXISTS (SELECT 1 FROM objective_approvals x
                                                        WHERE x.org_id = d.org_id AND x.objective_id = d.id)) THEN
    RAISE EXCEPTION 'approvals still name this objective'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'objective_approvals_org_id_objective_id_fkey';
  END IF;
  RETURN NULL;
END
$$;

-- An objective's key never changes: refused outright (the rows that name it would lose it).
CREATE FUNCTION zsz_parent_key_fixed() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the key of % % cannot change', TG_TABLE_NAME, OLD.id
    USING ERRCODE = 'foreign_key_violation';
END
$$;

ALTER TABLE objectives DROP CONSTRAINT objectives_org_id_fkey;
ALTER TABLE indicators DROP CONSTRAINT indicators_org_id_objective_id_fkey;
ALTER TABLE objective_approvals DROP CONSTRAINT objective_approvals_org_id_objective_id_fkey;

CREATE TRIGGER objectives_parents_insert AFTER INSERT ON objectives REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_parents_check();
CREATE TRIGGER objectives_parents_update AFTER UPDATE ON objectives REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_parents_check();
CREATE TRIGGER indicators_parents_insert AFTER INSERT ON indicators REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_parents_check();
CREATE TRIGGER indicators_parents_update AFTER UPDATE ON indicators REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_parents_check();
CREATE TRIGGER objective_approvals_parents_insert AFTER INSERT ON objective_approvals
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION zsz_parents_check();
CREATE TRIGGER objective_approvals_parents_update AFTER UPDATE ON objective_approvals
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION zsz_parents_check();

CREATE TRIGGER organisations_parents_keep AFTER DELETE ON organisations REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_parents_keep();
CREATE TRIGGER objectives_parents_keep AFTER DELETE ON objectives REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_parents_keep();
-- (ids are identity columns GENERATED ALWAYS, which no UPDATE may set: an objective's key could
-- only change by its org_id)
CREATE TRIGGER objectives_key_fixed BEFORE UPDATE OF org_id ON objectives
  FOR EACH ROW WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id) EXECUTE FUNCTION zsz_parent_key_fixed();

REVOKE ALL ON FUNCTION zsz_parents_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION zsz_parents_keep() FROM PUBLIC;
