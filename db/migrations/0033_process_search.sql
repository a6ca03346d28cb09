-- The trigram search of the process list (q=) under row-level security (issue 16).
--
-- As zsz_app every query on processes carries the table's policy as a security barrier.
-- LIKE (textlike) is not leakproof, so the planner may not use it inside an index scan below
-- the policy: the GIN trigram index processes_search was never used, and a rare match walked
-- the organisation's whole register in code order, filtering each row (EXPLAIN ANALYZE as
-- zsz_app over 1,000,000 processes: 122 ms for a match in the first 10 %, seconds for one
-- near the end; the custom plan, since the generic one sorted all 1,000,000 rows).
--
-- This function runs one page of the search as the schema owner (SECURITY DEFINER: no policy
-- applies, so the planner chooses between the trigram index and the ordered index by the
-- pattern's selectivity, with the values known: EXECUTE plans each call) and applies the
-- tenant rule itself, the same as the policy: org_id = zsz_current_org(). A caller without a
-- tenant set sees nothing. The sort comes from the server's allow-list (processes/queries.c);
-- any other raises. Filters and keyset as in the list without q.
--
-- Few matches (under 10,000, counted first, through the trigram index when they are rare):
-- they are read through the trigram index and sorted, whatever the order asked for. Left to
-- itself the planner walked the ordered index when it expected the matches to come soon,
-- and they may all sit at its far end ("nr 99" in name order: 989,000 rows read, 2.1 s).
-- Many matches: the ordered index finds a page of them after a few rows.
CREATE FUNCTION zsz_process_search_page(sort text, p_category text, p_owner text, p_status text, p_parent bigint,
                                        q text, after_key text, after_id bigint, lim integer)
  RETURNS SETOF processes
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp
AS $fn$
DECLARE
  few constant integer := 10000;
  matches integer;
  key text;
  key_type text;
  descending boolean := left(sort, 1) = '-';
BEGIN
  CASE ltrim(sort, '-')
    WHEN 'code' THEN key := 'code'; key_type := 'text';
    WHEN 'name' THEN key := 'name'; key_type := 'text';
    WHEN 'created_at' THEN key := 'created_at'; key_type := 'timestamptz';
    WHEN 'updated_at' THEN key := 'updated_at'; key_type := 'timestamptz';
    ELSE RAISE EXCEPTION 'zsz_process_search_page: sort % is not one of the list''s', sort;
  END CASE;
  SELECT count(*) INTO matches FROM (
    SELECT 1 FROM processes p
    WHERE p.org_id = zsz_current_org() AND p.search LIKE '%' || zsz_like_literal(zsz_fold(q)) || '%' LIMIT few) m;
  RETURN QUERY EXECUTE format(
    CASE WHEN matches < few THEN 'WITH p AS MATERIALIZED (SELECT * FROM processes p WHERE p.org_id = zsz_current_org() '
      'AND p.search LIKE ''%%'' || zsz_like_literal(zsz_fold($5)) || ''%%'') SELECT * FROM p WHERE true '
    ELSE 'SELECT * FROM processes p WHERE p.org_id = zsz_current_org() ' END ||
    'AND ($1::text IS NULL OR p.category = $1) AND ($2::text IS NULL OR p.owner = $2) '
    'AND ($3::text IS NULL OR p.status = $3) AND ($4::bigint IS NULL OR p.parent_id = $4) '
    'AND p.search LIKE ''%%'' || zsz_like_literal(zsz_fold($5)) || ''%%'' '
    'AND ($6::text IS NULL OR (p.%1$I, p.id) %2$s ($6::%3$s, $7::bigint)) '
    'ORDER BY p.%1$I %4$s, p.id %4$s LIMIT $8',
    key, CASE WHEN descending THEN '<' ELSE '>' END, key_type, CASE WHEN descending THEN 'DESC' ELSE 'ASC' END)
  USING p_category, p_owner, p_status, p_parent, q, after_key, after_id, lim;
END
$fn$;

REVOKE ALL ON FUNCTION zsz_process_search_page(text, text, text, text, bigint, text, text, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION zsz_process_search_page(text, text, text, text, bigint, text, text, bigint, integer) TO zsz_app;
