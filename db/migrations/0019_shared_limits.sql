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
