-- Who reads a survey, as a record rule in SQL (it was decided in C from role bits): the
-- plenipotentiary and the president read every survey of the organisation; a process owner
-- reads those whose process_ids include a process it owns (owner = its sub). roles are the
-- caller's roles by name, as the API passes them ($n::text[]).
CREATE FUNCTION zsz_survey_readable(s surveys, roles text[], sub text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR 'president' = ANY (roles)
    OR EXISTS (SELECT 1 FROM processes p WHERE p.org_id = s.org_id AND p.id = ANY (s.process_ids) AND p.owner = sub);
