-- Any hall can move in (issue 10, part A): process schemes as data, the user directory, what
-- a person is responsible for and its handover. docs/design-directory.md explains the rules.

-- ---- process schemes ---------------------------------------------------------------------
-- A scheme: the code prefixes of each category (management, core, support), the characters
-- that may stand between prefix and number ('' for none), the number's shape (digits: 0 for
-- 1..4 digits without a leading zero, else exactly that many) and how many dot-separated
-- levels it may have: GR 3.1 (krakow), PZ.4.4.5 (lublin), P.01 (digits 2, levels 1), PZ-2.
CREATE FUNCTION zsz_scheme_prefixes_ok(prefixes text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN cardinality(prefixes) BETWEEN 1 AND 8
     AND (SELECT bool_and(p ~ '^[A-Z][A-Z0-9]{0,7}$') FROM unnest(prefixes) AS p);

CREATE TABLE builtin_process_schemes (
  name       text PRIMARY KEY,
  management text[] NOT NULL,
  core       text[] NOT NULL,
  support    text[] NOT NULL,
  separators text NOT NULL,
  digits     integer NOT NULL,
  levels     integer NOT NULL,
  example    text NOT NULL
);
INSERT INTO builtin_process_schemes VALUES
  ('krakow', '{GZ}', '{GR}', '{GW}', ' ', 0, 8, 'GZ 8'),
  ('lublin', '{PZ}', '{PG}', '{PW}', ' .', 0, 8, 'PZ.4.4.5');
GRANT SELECT ON builtin_process_schemes TO zsz_app;

CREATE TABLE process_schemes (
  id         bigint GENERATED ALWAYS AS IDENTITY UNIQUE, -- names the scheme in the change log
  org_id     bigint PRIMARY KEY REFERENCES organisations(id),
  management text[] NOT NULL CHECK (zsz_scheme_prefixes_ok(management)),
  core       text[] NOT NULL CHECK (zsz_scheme_prefixes_ok(core)),
  support    text[] NOT NULL CHECK (zsz_scheme_prefixes_ok(support)),
  separators text NOT NULL CHECK (separators ~ '^[ ./_-]{0,5}$'),
  digits     integer NOT NULL CHECK (digits BETWEEN 0 AND 4),
  levels     integer NOT NULL CHECK (levels BETWEEN 1 AND 8),
  example    text NOT NULL CHECK (length(example) BETWEEN 1 AND 32),
  revision   bigint NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- a prefix names one category
  CHECK (NOT (management && core) AND NOT (management && support) AND NOT (core && support))
);
GRANT SELECT, INSERT, UPDATE ON process_schemes TO zsz_app;
ALTER TABLE process_schemes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON process_schemes TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE TRIGGER process_schemes_log AFTER INSERT OR UPDATE ON process_schemes
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('process_scheme');

-- The regular expression of the codes of one category (prefixes are [A-Z0-9] only and the
-- separators come from ' ./_-', so nothing needs escaping but '-', put last in the class).
CREATE FUNCTION zsz_scheme_number(digits integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN digits = 0 THEN '0|[1-9][0-9]{0,3}' ELSE '[0-9]{' || digits || '}' END;

CREATE FUNCTION zsz_scheme_regex(prefixes text[], separators text, digits integer, levels integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN '^(' || array_to_string(prefixes, '|') || ')'
      || CASE WHEN separators = '' THEN ''
              ELSE '[' || replace(separators, '-', '') || CASE WHEN strpos(separators, '-') > 0 THEN '-' ELSE '' END || ']'
         END
      || '(' || zsz_scheme_number(digits) || ')(\.(' || zsz_scheme_number(digits) || ')){0,' || (levels - 1) || '}$';

-- The category of a code under a scheme, or NULL when the code does not follow it.
CREATE FUNCTION zsz_scheme_category(s process_schemes, code text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN code ~ zsz_scheme_regex(s.management, s.separators, s.digits, s.levels) THEN 'management'
              WHEN code ~ zsz_scheme_regex(s.core, s.separators, s.digits, s.levels) THEN 'core'
              WHEN code ~ zsz_scheme_regex(s.support, s.separators, s.digits, s.levels) THEN 'support' END;

CREATE FUNCTION zsz_process_scheme_json(s process_schemes, name text) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('name', name,
                           'categories', json_build_object('management', s.management, 'core', s.core,
                                                           'support', s.support),
                           'separators', s.separators, 'digits', s.digits, 'levels', s.levels,
                           'example', s.example, 'updated_at', zsz_ts(s.updated_at));

-- An organisation's scheme is a row; the name stays as a label ('krakow', 'lublin', or what
-- the operator called its own). An organisation inserted naming a built-in scheme (seeds,
-- scripts) gets a copy of it.
ALTER TABLE organisations DROP CONSTRAINT organisations_process_scheme_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_process_scheme_check
  CHECK (process_scheme ~ '^[a-z0-9][a-z0-9_-]{0,63}$');

CREATE FUNCTION zsz_organisation_builtin_scheme() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO process_schemes (org_id, management, core, support, separators, digits, levels, example)
  SELECT NEW.id, b.management, b.core, b.support, b.separators, b.digits, b.levels, b.example
  FROM builtin_process_schemes b WHERE b.name = NEW.process_scheme
  ON CONFLICT (org_id) DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER organisations_builtin_scheme AFTER INSERT ON organisations
  FOR EACH ROW EXECUTE FUNCTION zsz_organisation_builtin_scheme();

INSERT INTO process_schemes (org_id, management, core, support, separators, digits, levels, example)
SELECT o.id, b.management, b.core, b.support, b.separators, b.digits, b.levels, b.example
FROM organisations o JOIN builtin_process_schemes b ON b.name = o.process_scheme;

-- The plenipotentiary renames its organisation and replaces its scheme (whose label the
-- organisation keeps); the server may change nothing else of it.
GRANT UPDATE (name, process_scheme) ON organisations TO zsz_app;

-- ---- the user directory ------------------------------------------------------------------
-- A user kept by the directory (PUT /users/{sub}, imports) keeps the name and unit the
-- directory gave it: tokens no longer overwrite them. A deactivated user stays (history keeps
-- its name) and its tokens are refused.
ALTER TABLE users
  ADD COLUMN email text CHECK (length(email) BETWEEN 3 AND 254),
  ADD COLUMN active boolean NOT NULL DEFAULT true,
  ADD COLUMN directory boolean NOT NULL DEFAULT false,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE OR REPLACE FUNCTION zsz_user_json(u users) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('sub', u.sub, 'name', u.name, 'roles', to_json(u.roles), 'unit_id', u.unit_id,
                           'unit_code', (SELECT ou.code FROM org_units ou WHERE ou.org_id = u.org_id AND ou.id = u.unit_id),
                           'last_seen_at', zsz_ts(u.last_seen_at), 'email', u.email, 'active', u.active,
                           'directory', u.directory);

-- What the directory writes is logged; what tokens refresh (roles, last_seen_at, the name of a
-- user the directory does not keep) is not.
DROP TRIGGER users_log ON users;
CREATE TRIGGER users_log AFTER UPDATE ON users
  FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.email IS DISTINCT FROM NEW.email
                     OR OLD.active <> NEW.active OR OLD.directory <> NEW.directory
                     OR (NEW.directory AND OLD.name <> NEW.name))
  EXECUTE FUNCTION zsz_change_log_append('user', '', 'search', 'last_seen_at', 'roles', 'revision', 'updated_at');
CREATE TRIGGER users_log_insert AFTER INSERT ON users
  FOR EACH ROW WHEN (NEW.directory)
  EXECUTE FUNCTION zsz_change_log_append('user', '', 'search', 'last_seen_at', 'roles', 'revision', 'updated_at');

-- ---- responsibilities ----------------------------------------------------------------------
-- Everything a person owns or must do, one function per register with the same columns
-- (entity, id, title, what, due), joined in zsz_responsibilities. A register adds its part
-- with one function and one UNION ALL line (risks, 0015, and management reviews, 0016, did).
CREATE FUNCTION process_responsibilities(org bigint, who text)
  RETURNS TABLE (entity text, id bigint, title text, what text, due date)
  LANGUAGE sql STABLE AS $$
  SELECT 'process', p.id, p.code || ' ' || p.name, 'owner', NULL::date FROM processes p
  WHERE p.org_id = org AND p.owner = who AND p.status = 'active'
  UNION ALL
  SELECT 'process_review', r.id, p.code || ' ' || r.period, 'review', zsz_review_due(r.period)
  FROM process_reviews r JOIN processes p ON p.org_id = r.org_id AND p.id = r.process_id
  WHERE r.org_id = org AND p.owner = who AND p.status = 'active' AND r.status IN ('draft', 'returned')
$$;

CREATE FUNCTION objective_responsibilities(org bigint, who text)
  RETURNS TABLE (entity text, id bigint, title text, what text, due date)
  LANGUAGE sql STABLE AS $$
  SELECT 'objective', o.id, o.code || ' ' || o.title, 'owner', o.due_date FROM objectives o
  WHERE o.org_id = org AND o.owner = who AND o.status IN ('draft', 'proposed', 'approved')
  UNION ALL
  SELECT 'indicator', i.id, o.code || ' ' || i.name, 'responsible', NULL::date
  FROM indicators i JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id
  WHERE i.org_id = org AND i.responsible = who AND o.status IN ('draft', 'proposed', 'approved')
$$;

CREATE FUNCTION nonconformity_responsibilities(org bigint, who text)
  RETURNS TABLE (entity text, id bigint, title text, what text, due date)
  LANGUAGE sql STABLE AS $$
  SELECT 'nonconformity', n.id, n.number, 'owner', NULL::date FROM nonconformities n
  WHERE n.org_id = org AND n.owner = who AND n.status NOT IN ('closed', 'cancelled')
  UNION ALL
  SELECT 'nonconformity_action', x.id, n.number || ': ' || left(x.description, 150), 'responsible', x.due_date
  FROM nonconformity_actions x JOIN nonconformities n ON n.org_id = x.org_id AND n.id = x.nonconformity_id
  WHERE x.org_id = org AND x.responsible = who AND x.status = 'open'
$$;

CREATE FUNCTION audit_responsibilities(org bigint, who text)
  RETURNS TABLE (entity text, id bigint, title text, what text, due date)
  LANGUAGE sql STABLE AS $$
  SELECT 'audit', a.id, a.code, CASE WHEN a.lead_auditor = who THEN 'lead' ELSE 'team' END, a.planned_end
  FROM audits a
  WHERE a.org_id = org AND who = ANY (a.team) AND a.status IN ('planned', 'in_progress')
$$;

-- Everything, ordered by due date (none last), then entity and id.
CREATE FUNCTION zsz_responsibilities(org bigint, who text)
  RETURNS TABLE (entity text, id bigint, title text, what text, due date)
  LANGUAGE sql STABLE AS $$
  SELECT * FROM (
    SELECT * FROM process_responsibilities(org, who)
    UNION ALL SELECT * FROM objective_responsibilities(org, who)
    UNION ALL SELECT * FROM nonconformity_responsibilities(org, who)
    UNION ALL SELECT * FROM audit_responsibilities(org, who)
    UNION ALL SELECT * FROM management_review_responsibilities(org, who)
    UNION ALL SELECT * FROM risk_responsibilities(org, who)
  ) AS r ORDER BY r.due NULLS LAST, r.entity, r.id
$$;

-- Who may read a person's responsibilities: the person, the plenipotentiary, the president.
CREATE FUNCTION zsz_responsibilities_readable(whose text, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN whose = sub OR roles && ARRAY['plenipotentiary', 'president'];

-- Hands everything zsz_responsibilities lists over from one person to another, each record
-- updated (so logged by its register's trigger, with the action the caller set); the count.
-- Process reviews move with their process. An audit's team keeps its order. Open decisions of
-- management reviews, risks not closed and their open treatment actions move too.
CREATE FUNCTION zsz_handover(org bigint, from_sub text, to_sub text) RETURNS integer
  LANGUAGE plpgsql AS $$
DECLARE
  n integer := 0;
  k integer;
BEGIN
  UPDATE processes SET owner = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND owner = from_sub AND status = 'active';
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE objectives SET owner = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND owner = from_sub AND status IN ('draft', 'proposed', 'approved');
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE indicators i SET responsible = to_sub, revision = i.revision + 1, updated_at = now()
  FROM objectives o
  WHERE i.org_id = org AND i.responsible = from_sub AND o.org_id = i.org_id AND o.id = i.objective_id
    AND o.status IN ('draft', 'proposed', 'approved');
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE nonconformities SET owner = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND owner = from_sub AND status NOT IN ('closed', 'cancelled');
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE nonconformity_actions SET responsible = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND responsible = from_sub AND status = 'open';
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE audits SET lead_auditor = CASE WHEN lead_auditor = from_sub THEN to_sub ELSE lead_auditor END,
                    team = CASE WHEN to_sub = ANY (team) THEN array_remove(team, from_sub)
                                ELSE array_replace(team, from_sub, to_sub) END,
                    revision = revision + 1, updated_at = now()
  WHERE org_id = org AND from_sub = ANY (team) AND status IN ('planned', 'in_progress');
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE management_review_decisions SET owner = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND owner = from_sub AND status = 'open';
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE risks SET owner = to_sub, revision = revision + 1, updated_at = now()
  WHERE org_id = org AND owner = from_sub AND status <> 'closed';
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  UPDATE risk_actions a SET responsible = to_sub, revision = a.revision + 1, updated_at = now()
  FROM risks r
  WHERE a.org_id = org AND a.responsible = from_sub AND a.status = 'open' AND r.org_id = a.org_id
    AND r.id = a.risk_id AND r.status <> 'closed';
  GET DIAGNOSTICS k = ROW_COUNT; n := n + k;
  RETURN n;
END
$$;

-- ---- integrations ----------------------------------------------------------------------
-- An integration (role integration) reaches PUT .../readings/{period} only when its token's
-- scope holds objectives:write (the dispatcher checks the route's scope); it then writes as
-- the plenipotentiary would.
CREATE OR REPLACE FUNCTION zsz_reading_writer(i indicators, roles text[], sub text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR 'integration' = ANY (roles)
      OR ('process_owner' = ANY (roles)
          AND (coalesce(i.responsible = sub, false)
               OR EXISTS (SELECT 1 FROM objectives o
                            JOIN processes p ON p.org_id = o.org_id AND p.id = o.process_id
                           WHERE o.org_id = i.org_id AND o.id = i.objective_id AND p.owner = sub)));
