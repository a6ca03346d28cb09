-- 0041: the audits' and the surveys' read rules ask their row-independent part first (issue 16).
--
-- zsz_audit_readable holds a sub-select (a process owner reads the audits of its processes),
-- so PostgreSQL does not inline it: it runs through the SQL-function executor, which plans its
-- body again in every statement that calls it (0.1 ms of an audit's GET, more than the rest of
-- the statement). The statements now ask zsz_audit_reads_all(roles) first (inlined; with the
-- plenipotentiary's or the president's roles the OR stops there and the rule is never called,
-- nor planned), as the nonconformities' do (0034). The rule itself is unchanged, only written
-- through the new function.
CREATE FUNCTION zsz_audit_reads_all(roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR 'president' = ANY (roles);

CREATE OR REPLACE FUNCTION zsz_audit_readable(a audits, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_audit_reads_all(roles)
      OR ('iod' = ANY (roles) AND a.kind IN ('information_security', 'integrated'))
      OR ('auditor' = ANY (roles) AND sub = ANY (a.team))
      OR ('process_owner' = ANY (roles) AND EXISTS (SELECT 1 FROM processes p WHERE p.org_id = a.org_id
                                                      AND p.id = ANY (a.scope_process_ids) AND p.owner = sub));

-- The surveys' rule likewise (0011): the plenipotentiary and the president read every survey.
CREATE FUNCTION zsz_survey_reads_all(roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR 'president' = ANY (roles);

CREATE OR REPLACE FUNCTION zsz_survey_readable(s surveys, roles text[], sub text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_survey_reads_all(roles)
    OR EXISTS (SELECT 1 FROM processes p WHERE p.org_id = s.org_id AND p.id = ANY (s.process_ids) AND p.owner = sub);
