-- The overdue rule of a card from its keys and status (issue 16, the nonconformity register as
-- CSV). The export sorts the register's raw columns and then computes each card's overdue;
-- zsz_nc_overdue_of(n) takes the whole row, so PostgreSQL carried every card's whole row
-- (descriptions included) through the sort: 31 MB spilled to disk at 100,000 cards, 13 MB with
-- the keys alone. One rule: zsz_nc_overdue_of is now this function over the row's columns. Both
-- are one SELECT, inlined into the statement that calls them.
CREATE FUNCTION zsz_nc_overdue_by(nc_org bigint, nc_id bigint, nc_status text) RETURNS TABLE (overdue boolean)
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT zsz_nc_overdue_given(nc_status, EXISTS (SELECT 1 FROM nonconformity_actions a
                                                 WHERE a.org_id = nc_org AND a.nonconformity_id = nc_id
                                                   AND zsz_action_overdue(a.status, a.due_date)));
END;

CREATE OR REPLACE FUNCTION zsz_nc_overdue_of(n nonconformities) RETURNS TABLE (overdue boolean)
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT o.overdue FROM zsz_nc_overdue_by(n.org_id, n.id, n.status) AS o;
END;
