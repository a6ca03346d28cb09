-- Issue 15: several instances on one database.
--
-- The public rate limit shared by the instances (ZSZ_RATE_LIMIT_STORE=database): the token
-- bucket of api/lib/ratelimit.c (rl_bucket_take), one row per client key, on the database's
-- clock so that every instance agrees. Unlogged: no WAL, not replicated, emptied after a
-- crash (which forgets at most a minute of limits). Not a tenant table: the key is an HMAC of
-- the client address (the address itself is never stored), no org_id.
CREATE UNLOGGED TABLE public_rate_buckets (
  key bytea PRIMARY KEY,
  tokens double precision NOT NULL,
  at double precision NOT NULL,   -- seconds since the epoch (clock_timestamp)
  taken boolean NOT NULL          -- the last request took a token
);
GRANT SELECT, INSERT, UPDATE, DELETE ON public_rate_buckets TO zsz_app;

-- One request of key at per_minute requests a minute (burst as many): refill, then take one
-- token when there is one. One statement: an INSERT ... ON CONFLICT that locks the row.
CREATE FUNCTION zsz_rate_take(k bytea, per_minute double precision)
  RETURNS TABLE (taken boolean, tokens double precision)
  LANGUAGE sql VOLATILE
BEGIN ATOMIC
  INSERT INTO public_rate_buckets AS b (key, tokens, at, taken)
  VALUES (k, per_minute - 1, extract(epoch FROM clock_timestamp()), true)
  ON CONFLICT (key) DO UPDATE SET
    tokens = CASE WHEN least(per_minute, b.tokens + greatest(EXCLUDED.at - b.at, 0) * per_minute / 60) >= 1
                  THEN least(per_minute, b.tokens + greatest(EXCLUDED.at - b.at, 0) * per_minute / 60) - 1
                  ELSE least(per_minute, b.tokens + greatest(EXCLUDED.at - b.at, 0) * per_minute / 60) END,
    taken = least(per_minute, b.tokens + greatest(EXCLUDED.at - b.at, 0) * per_minute / 60) >= 1,
    at = greatest(EXCLUDED.at, b.at)
  RETURNING b.taken, b.tokens;
END;

-- Buckets untouched for two minutes have refilled (any limit of at least one a minute): a
-- full bucket is what an address never seen gets, so dropping it forgets nothing.
CREATE FUNCTION zsz_rate_prune() RETURNS void
  LANGUAGE sql VOLATILE
BEGIN ATOMIC
  DELETE FROM public_rate_buckets WHERE at < extract(epoch FROM clock_timestamp()) - 120;
END;
GRANT EXECUTE ON FUNCTION zsz_rate_take(bytea, double precision), zsz_rate_prune() TO zsz_app;

-- ---------------------------------------------------------------------------------------------
-- What Citus needs of the schema, to shard by organisation (docs/scaling.md; checked by
-- tests/api/test_citus_schema.py): every tenant table has
-- org_id, and every primary key, unique constraint or index and foreign key between tenant
-- tables includes it. Until now most keys were (id) alone, with a second UNIQUE (org_id, id)
-- for the foreign keys; now the key is (org_id, <the old key>) and that second index goes.
--
-- 1. The three foreign keys that named a record by id alone are dropped here and made again,
--    with org_id, once their targets have (org_id, id) keys (step 3).
ALTER TABLE org_units DROP CONSTRAINT org_units_parent_id_fkey;
ALTER TABLE objective_approvals DROP CONSTRAINT objective_approvals_revision_id_fkey;
ALTER TABLE survey_public_ids DROP CONSTRAINT survey_public_ids_survey_id_fkey;

-- 2. Every primary key of a tenant table without org_id becomes (org_id, <its columns>); the
--    foreign keys that point at the table are dropped first and made again at the end, with
--    their own definitions (they name (org_id, id), which the new key now is), and a UNIQUE
--    (org_id, id) that duplicates the new key is dropped.
DO $citus$
DECLARE
  t record;
  fk record;
  u record;
  again text[] := '{}';
  stmt text;
BEGIN
  FOR t IN
    SELECT c.oid, c.relname, con.conname,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i)
              FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, i)
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) AS cols
    FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND con.contype = 'p'
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped)
      AND NOT EXISTS (SELECT 1 FROM unnest(con.conkey) k JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k
                      WHERE a.attname = 'org_id')
      AND c.relname <> 'survey_public_ids'  -- a global lookup by public_id (see below)
    ORDER BY c.relname
  LOOP
    FOR fk IN
      SELECT con2.conname, con2.conrelid::regclass AS rel, pg_get_constraintdef(con2.oid) AS def
      FROM pg_constraint con2 WHERE con2.contype = 'f' AND con2.confrelid = t.oid
    LOOP
      EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.rel, fk.conname);
      again := again || format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.rel, fk.conname, fk.def);
    END LOOP;
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t.relname, t.conname);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (org_id, %s)', t.relname, t.conname, t.cols);
    FOR u IN
      SELECT con3.conname FROM pg_constraint con3
      WHERE con3.conrelid = t.oid AND con3.contype = 'u'
        AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM unnest(con3.conkey) k
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k) = ARRAY['id', 'org_id']
    LOOP
      EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t.relname, u.conname);
    END LOOP;
  END LOOP;
  FOREACH stmt IN ARRAY again LOOP
    EXECUTE stmt;
  END LOOP;
END
$citus$;

-- 3. The three foreign keys again, with the tenant (named <table>_org_id_<field>_fkey, so a
--    violation names its field, db.c).
ALTER TABLE org_units ADD CONSTRAINT org_units_org_id_parent_id_fkey
  FOREIGN KEY (org_id, parent_id) REFERENCES org_units (org_id, id);
ALTER TABLE objective_approvals ADD CONSTRAINT objective_approvals_org_id_revision_id_fkey
  FOREIGN KEY (org_id, revision_id) REFERENCES objective_revisions (org_id, id);
ALTER TABLE survey_public_ids ADD CONSTRAINT survey_public_ids_org_id_survey_id_fkey
  FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id);

-- 4. Unique constraints and indexes without the tenant. A survey's public_id is unique across
--    all organisations (an anonymous link names no organisation): survey_public_ids, keyed by
--    public_id, keeps that, and is the one table routed by another key (a reference table in
--    Citus); on surveys the uniqueness is per organisation.
ALTER TABLE surveys DROP CONSTRAINT surveys_public_id_key;
ALTER TABLE surveys ADD CONSTRAINT surveys_org_id_public_id_key UNIQUE (org_id, public_id);
DROP INDEX objective_revisions_pending;
CREATE UNIQUE INDEX objective_revisions_pending ON objective_revisions (org_id, objective_id) WHERE status = 'pending';

-- 5. The statements that named the old keys as ON CONFLICT arbiters (the server's own are in
--    api/registers/objectives/queries.c).
CREATE OR REPLACE FUNCTION public.zsz_survey_add(org bigint, survey bigint, batch jsonb)
 RETURNS bigint
 LANGUAGE plpgsql
AS $function$
DECLARE
  n bigint;
BEGIN
  INSERT INTO survey_responses (org_id, survey_id, submitted_hour, answers, respondent)
  SELECT org, survey, date_trunc('hour', now()), x -> 'answers', coalesce(x -> 'respondent', '{}')
  FROM jsonb_array_elements(batch) AS x;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO survey_counts AS c (org_id, survey_id, question_key, group_field, group_value, value, count)
  SELECT org, survey, q, f, g, v, count(*)
  FROM (
    -- every answer, overall and per respondent field of its response
    SELECT t ->> 0 AS q, '' AS f, '' AS g, t ->> 1 AS v
    FROM jsonb_array_elements(batch) AS x, jsonb_array_elements(x -> 'tally') AS t
    WHERE left(t ->> 0, 1) <> '@'
    UNION ALL
    SELECT t ->> 0, substr(grp ->> 0, 2), grp ->> 1, t ->> 1
    FROM jsonb_array_elements(batch) AS x, jsonb_array_elements(x -> 'tally') AS t,
         jsonb_array_elements(x -> 'tally') AS grp
    WHERE left(t ->> 0, 1) <> '@' AND left(grp ->> 0, 1) = '@'
    UNION ALL
    -- responses, overall and per group
    SELECT '', '', '', '' FROM jsonb_array_elements(batch) AS x
    UNION ALL
    SELECT '', substr(grp ->> 0, 2), grp ->> 1, ''
    FROM jsonb_array_elements(batch) AS x, jsonb_array_elements(x -> 'tally') AS grp
    WHERE left(grp ->> 0, 1) = '@'
  ) AS a
  GROUP BY q, f, g, v
  ORDER BY q, f, g, v
  ON CONFLICT (org_id, survey_id, question_key, group_field, group_value, value)
  DO UPDATE SET count = c.count + EXCLUDED.count;
  UPDATE surveys SET response_count = response_count + n WHERE id = survey AND org_id = org;
  RETURN n;
END
$function$;

CREATE OR REPLACE FUNCTION public.zsz_survey_feed_indicators(survey bigint)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
DECLARE
  n integer;
BEGIN
  INSERT INTO indicator_readings AS r (org_id, indicator_id, period, value, comment, recorded_by)
  SELECT i.org_id, i.id,
         zsz_period_of(i.frequency, least(greatest(coalesce(s.closes_at, now())::date, make_date(s.year, 1, 1)),
                                          make_date(s.year, 12, 31))),
         zsz_survey_mean(s.id, i.survey_question), 'survey ' || s.id, 'system:survey'
  FROM surveys s
  JOIN indicators i ON i.org_id = s.org_id AND i.source = 'survey' AND i.survey_kind = s.kind
  JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id AND o.year = s.year
  WHERE s.id = survey AND zsz_survey_mean(s.id, i.survey_question) IS NOT NULL
  ON CONFLICT (org_id, indicator_id, period) DO UPDATE
    SET value = EXCLUDED.value, comment = EXCLUDED.comment, recorded_by = EXCLUDED.recorded_by,
        recorded_at = now(), revision = r.revision + 1
    WHERE NOT r.locked;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$function$;

-- the change log's (org_id, id) index is its key now
DROP INDEX change_log_org;
