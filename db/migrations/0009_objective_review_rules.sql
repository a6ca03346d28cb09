-- Record rules of process reviews and indicator readings, in SQL. They were decided in C
-- on an owner fetched from the database and the caller's role bits; here they take the
-- caller's roles as role names (text[], what the API passes as roles_param) and its sub, and
-- the statements that read or lock the record select their verdict. No integer-role version
-- of these rules existed in SQL, so none is dropped.

-- A process review is written (created, patched, submitted) by the owner of its process:
-- a process owner whose sub is the process's owner.
CREATE FUNCTION zsz_review_writer(p processes, roles text[], sub text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 'process_owner' = ANY (roles) AND coalesce(p.owner = sub, false);

-- Process reviews are read by the plenipotentiary, the president, auditors and the owner of
-- the process.
CREATE FUNCTION zsz_review_reader(p processes, roles text[], sub text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN roles && ARRAY['plenipotentiary', 'president', 'auditor'] OR zsz_review_writer(p, roles, sub);

-- A reading of an indicator is recorded by the plenipotentiary, or by a process owner that
-- is the indicator's responsible or owns the process of the indicator's objective.
CREATE FUNCTION zsz_reading_writer(i indicators, roles text[], sub text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles)
      OR ('process_owner' = ANY (roles)
          AND (coalesce(i.responsible = sub, false)
               OR EXISTS (SELECT 1 FROM objectives o
                            JOIN processes p ON p.org_id = o.org_id AND p.id = o.process_id
                           WHERE o.org_id = i.org_id AND o.id = i.objective_id AND p.owner = sub)));
