-- Nonconformities: the record rules take the caller's role names (text[], as the API passes
-- them in roles_param), never the C role bits; and the rules the C code used to decide on
-- rows it had read back are functions here, next to the read rule (docs/design-audits.md).

-- Who may read a nonconformity: the visibility rules of docs/design-audits.md for the caller
-- sub with its roles.
DROP FUNCTION zsz_nc_readable(nonconformities, text, integer);
CREATE FUNCTION zsz_nc_readable(n nonconformities, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR 'president' = ANY (roles)
      OR ('process_owner' = ANY (roles)
          AND (n.owner = sub OR EXISTS (SELECT 1 FROM processes p WHERE p.org_id = n.org_id
                                          AND p.id = n.process_id AND p.owner = sub)))
      OR ('auditor' = ANY (roles)
          AND EXISTS (SELECT 1 FROM audits a WHERE a.org_id = n.org_id AND a.id = n.audit_id
                        AND sub = ANY (a.team)))
      OR ('iod' = ANY (roles)
          AND (n.source = 'incident' OR EXISTS (SELECT 1 FROM audits a WHERE a.org_id = n.org_id
                                                  AND a.id = n.audit_id
                                                  AND a.kind IN ('information_security', 'integrated'))))
      OR EXISTS (SELECT 1 FROM nonconformity_actions x WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id
                   AND x.responsible = sub);

-- Who manages a card: its owner (who analyses it, plans its actions and moves it up to
-- verification), or the plenipotentiary. The others who read it may not change it.
CREATE FUNCTION zsz_nc_manages(n nonconformities, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR n.owner = sub;

-- Who may evaluate the effectiveness of a card's actions: the plenipotentiary or an auditor,
-- provided it owns neither the card nor its process, whatever its other roles.
CREATE FUNCTION zsz_nc_evaluates(n nonconformities, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN ('plenipotentiary' = ANY (roles) OR 'auditor' = ANY (roles))
         AND n.owner <> sub
         AND NOT EXISTS (SELECT 1 FROM processes p WHERE p.org_id = n.org_id AND p.id = n.process_id
                           AND p.owner = sub);

-- Who may open a card on a process: the plenipotentiary on any, a process owner on its own.
CREATE FUNCTION zsz_nc_may_open(p processes, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR coalesce(p.owner = sub, false);

-- Who may change the fields named in fields of an action: whoever manages its card, every
-- field; its responsible, whatever its roles, only status and note (marking it done).
CREATE FUNCTION zsz_nc_action_may_change(n nonconformities, x nonconformity_actions, sub text, roles text[],
                                         fields text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_nc_manages(n, sub, roles) OR (x.responsible = sub AND fields <@ ARRAY['status', 'note']);
