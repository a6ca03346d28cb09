-- Foundation: organisations, users, org units, processes with versions and change requests,
-- the append-only change log, and the row-level security that is the second tenancy wall.
--
-- Run by the schema owner (the role in ZSZ_DATABASE_URL). The server itself works as
-- zsz_app, which owns nothing and is subject to RLS.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zsz_app') THEN
    CREATE ROLE zsz_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END
$$;
-- The owner switches to zsz_app with SET ROLE; for that it must be a member.
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'zsz_app', 'MEMBER') THEN
    EXECUTE format('GRANT zsz_app TO %I', current_user);
  END IF;
END
$$;

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is STABLE (it reads a dictionary); an IMMUTABLE wrapper pinned to the
-- dictionary lets it be used in generated columns and indexes.
CREATE FUNCTION zsz_fold(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN lower(public.unaccent('public.unaccent'::regdictionary, t));

-- Current organisation of the transaction, or NULL when none is set (then RLS shows nothing).
CREATE FUNCTION zsz_current_org() RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN nullif(current_setting('zsz.org_id', true), '')::bigint;

GRANT USAGE ON SCHEMA public TO zsz_app;
GRANT SELECT ON schema_migrations TO zsz_app;

CREATE TABLE organisations (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code           text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  process_scheme text NOT NULL CHECK (process_scheme IN ('krakow', 'lublin')),
  created_at     timestamptz NOT NULL DEFAULT now()
);
-- Organisations are looked up by the token's org claim before a tenant is chosen.
GRANT SELECT ON organisations TO zsz_app;

CREATE TABLE org_units (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id     bigint NOT NULL REFERENCES organisations(id),
  code       text NOT NULL CHECK (length(code) BETWEEN 1 AND 32),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  parent_id  bigint REFERENCES org_units(id),
  revision   bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  search     text GENERATED ALWAYS AS (zsz_fold(code || ' ' || name)) STORED,
  UNIQUE (org_id, code),
  UNIQUE (org_id, id)
);
CREATE INDEX org_units_parent ON org_units (org_id, parent_id);

CREATE TABLE users (
  org_id       bigint NOT NULL REFERENCES organisations(id),
  sub          text NOT NULL CHECK (length(sub) BETWEEN 1 AND 200),
  name         text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
  roles        text[] NOT NULL DEFAULT '{}',
  unit_id      bigint,
  revision     bigint NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz,
  search       text GENERATED ALWAYS AS (zsz_fold(sub || ' ' || name)) STORED,
  PRIMARY KEY (org_id, sub),
  FOREIGN KEY (org_id, unit_id) REFERENCES org_units (org_id, id)
);
CREATE INDEX users_search ON users USING gin (search gin_trgm_ops);

CREATE TABLE processes (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      bigint NOT NULL REFERENCES organisations(id),
  code        text NOT NULL CHECK (length(code) BETWEEN 1 AND 32),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  category    text NOT NULL CHECK (category IN ('management', 'core', 'support')),
  parent_id   bigint,
  owner       text CHECK (length(owner) BETWEEN 1 AND 200),
  org_unit_id bigint,
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  version     integer NOT NULL DEFAULT 1,
  revision    bigint NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  search      text GENERATED ALWAYS AS (zsz_fold(code || ' ' || name)) STORED,
  UNIQUE (org_id, code),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, parent_id) REFERENCES processes (org_id, id),
  FOREIGN KEY (org_id, org_unit_id) REFERENCES org_units (org_id, id)
);
CREATE INDEX processes_search ON processes USING gin (search gin_trgm_ops);
CREATE INDEX processes_code ON processes (org_id, code, id);
CREATE INDEX processes_name ON processes (org_id, name, id);
CREATE INDEX processes_created ON processes (org_id, created_at, id);
CREATE INDEX processes_updated ON processes (org_id, updated_at, id);
CREATE INDEX processes_owner ON processes (org_id, owner);
CREATE INDEX processes_parent ON processes (org_id, parent_id);

CREATE TABLE process_versions (
  org_id            bigint NOT NULL REFERENCES organisations(id),
  process_id        bigint NOT NULL,
  version           integer NOT NULL,
  description       text NOT NULL,
  approved_by       text NOT NULL,
  approved_at       timestamptz NOT NULL DEFAULT now(),
  change_request_id bigint,
  PRIMARY KEY (process_id, version),
  FOREIGN KEY (org_id, process_id) REFERENCES processes (org_id, id)
);

CREATE TABLE process_change_requests (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id               bigint NOT NULL REFERENCES organisations(id),
  process_id           bigint NOT NULL,
  proposed_description text NOT NULL CHECK (length(proposed_description) BETWEEN 1 AND 20000),
  reason               text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  requested_by         text NOT NULL,
  requested_at         timestamptz NOT NULL DEFAULT now(),
  decided_by           text,
  decided_at           timestamptz,
  decision_reason      text CHECK (length(decision_reason) <= 2000),
  revision             bigint NOT NULL DEFAULT 1,
  FOREIGN KEY (org_id, process_id) REFERENCES processes (org_id, id)
);
CREATE INDEX process_change_requests_process ON process_change_requests (org_id, process_id, id);

-- The change log: append-only, one row per write to a register, in the writer's transaction.
CREATE TABLE change_log (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id    bigint NOT NULL REFERENCES organisations(id),
  entity    text NOT NULL,
  record_id text NOT NULL,
  action    text NOT NULL,
  actor     text NOT NULL,
  at        timestamptz NOT NULL DEFAULT now(),
  before    jsonb,
  after     jsonb
);
CREATE INDEX change_log_record ON change_log (org_id, entity, record_id, id);
CREATE INDEX change_log_org ON change_log (org_id, id);

CREATE FUNCTION zsz_change_log_append() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  rec_id text;
  old_doc jsonb;
  new_doc jsonb := to_jsonb(NEW) - 'search' - 'org_id';
BEGIN
  IF TG_OP = 'UPDATE' THEN
    old_doc := to_jsonb(OLD) - 'search' - 'org_id';
    IF old_doc = new_doc THEN
      RETURN NULL;
    END IF;
  END IF;
  rec_id := coalesce(new_doc ->> 'id', new_doc ->> 'sub', new_doc ->> 'process_id');
  -- Serialise log appends per organisation until commit, so that ids inside one
  -- organisation are handed out in commit order: a feed reader using after=<id> never
  -- skips a row that commits later with a smaller id.
  PERFORM pg_advisory_xact_lock(738100, NEW.org_id::integer);
  INSERT INTO change_log (org_id, entity, record_id, action, actor, before, after)
  VALUES (NEW.org_id, TG_ARGV[0], rec_id,
          coalesce(nullif(current_setting('zsz.action', true), ''),
                   CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END),
          coalesce(nullif(current_setting('zsz.actor', true), ''), 'system:' || current_user),
          old_doc, new_doc);
  RETURN NULL;
END
$$;

CREATE FUNCTION zsz_change_log_refuse() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'change_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER change_log_no_update BEFORE UPDATE OR DELETE ON change_log
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_refuse();
CREATE TRIGGER change_log_no_truncate BEFORE TRUNCATE ON change_log
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_change_log_refuse();

CREATE TRIGGER org_units_log AFTER INSERT OR UPDATE ON org_units
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('org_unit');
CREATE TRIGGER processes_log AFTER INSERT OR UPDATE ON processes
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('process');
CREATE TRIGGER process_change_requests_log AFTER INSERT OR UPDATE ON process_change_requests
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('process_change_request');
-- Users are recorded from tokens; only a change of org unit is a register write worth logging.
CREATE TRIGGER users_log AFTER UPDATE OF unit_id ON users
  FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id)
  EXECUTE FUNCTION zsz_change_log_append('user');

-- Privileges of the server role: read and write registers, append to and read the log.
GRANT SELECT, INSERT, UPDATE ON org_units, users, processes, process_change_requests TO zsz_app;
GRANT SELECT, INSERT ON process_versions, change_log TO zsz_app;

-- Row-level security: the second wall behind the org_id filter in every query.
ALTER TABLE org_units ENABLE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE processes ENABLE ROW LEVEL SECURITY;
ALTER TABLE process_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE process_change_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE change_log ENABLE ROW LEVEL SECURITY;

CREATE POLICY tenant ON org_units TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON users TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON processes TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON process_versions TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON process_change_requests TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON change_log TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());

-- JSON documents of each record, defined once and used by every read of it.
-- RFC 3339 to the second. The server's sessions run in UTC, so this reads
-- 2026-11-20T10:00:00+00:00; to_json is several times cheaper than to_char on list pages.
CREATE FUNCTION zsz_ts(t timestamptz) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN to_json(date_trunc('second', t));

-- LIKE pattern of a literal text: %, _ and \ match only themselves.
CREATE FUNCTION zsz_like_literal(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN replace(replace(replace(t, '\', '\\'), '%', '\%'), '_', '\_');

CREATE FUNCTION zsz_org_unit_json(u org_units) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', u.id, 'code', u.code, 'name', u.name, 'parent_id', u.parent_id,
                           'created_at', zsz_ts(u.created_at), 'updated_at', zsz_ts(u.updated_at));

CREATE FUNCTION zsz_user_json(u users) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('sub', u.sub, 'name', u.name, 'roles', to_json(u.roles), 'unit_id', u.unit_id,
                           'unit_code', (SELECT ou.code FROM org_units ou WHERE ou.org_id = u.org_id AND ou.id = u.unit_id),
                           'last_seen_at', zsz_ts(u.last_seen_at));

CREATE FUNCTION zsz_process_json(p processes) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', p.id, 'code', p.code, 'name', p.name, 'category', p.category,
                           'parent_id', p.parent_id, 'owner', p.owner, 'org_unit_id', p.org_unit_id,
                           'description', p.description, 'status', p.status, 'version', p.version,
                           'created_at', zsz_ts(p.created_at), 'updated_at', zsz_ts(p.updated_at));

CREATE FUNCTION zsz_process_version_json(v process_versions) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('version', v.version, 'description', v.description, 'approved_by', v.approved_by,
                           'approved_at', zsz_ts(v.approved_at), 'change_request_id', v.change_request_id);

CREATE FUNCTION zsz_change_request_json(r process_change_requests) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', r.id, 'process_id', r.process_id, 'proposed_description', r.proposed_description,
                           'reason', r.reason, 'status', r.status, 'requested_by', r.requested_by,
                           'requested_at', zsz_ts(r.requested_at), 'decided_by', r.decided_by,
                           'decided_at', zsz_ts(r.decided_at), 'decision_reason', r.decision_reason);

CREATE FUNCTION zsz_change_json(c change_log) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', c.id, 'entity', c.entity, 'record_id', c.record_id, 'action', c.action,
                           'actor', c.actor, 'at', zsz_ts(c.at), 'before', c.before, 'after', c.after);
