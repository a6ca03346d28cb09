-- Risks and opportunities (GZ 8, ISO/IEC 27001 6.1.2-6.1.3, 8.2-8.3) and the Statement of
-- Applicability over Annex A (issue 13). docs/design-risks.md explains the decisions.
--
-- The risk matrix is versioned per organisation: every change is a new row, and every
-- assessment records the version it used together with the level and band it computed then,
-- so an old assessment keeps its meaning after the scales or the bands change. The risk row
-- carries its latest assessment (denormalised), so the map and the worklist read one table.

-- ---- the risk matrix ------------------------------------------------------------------------

CREATE TABLE risk_matrices (
  org_id     bigint NOT NULL REFERENCES organisations(id),
  version    integer NOT NULL CHECK (version >= 1),
  likelihood jsonb NOT NULL CHECK (jsonb_typeof(likelihood) = 'array'
                                   AND jsonb_array_length(likelihood) BETWEEN 3 AND 5),
  impact     jsonb NOT NULL CHECK (jsonb_typeof(impact) = 'array' AND jsonb_array_length(impact) BETWEEN 3 AND 5),
  bands      jsonb NOT NULL CHECK (jsonb_typeof(bands) = 'array' AND jsonb_array_length(bands) = 4),
  appetite   integer NOT NULL CHECK (appetite >= 1),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, version)
);

-- The matrix every organisation starts with: 5 x 5, level = likelihood x impact, bands at
-- 4 / 9 / 16 / 25, appetite 6 (the highest level accepted without treatment).
CREATE FUNCTION zsz_risk_matrix_default() RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN jsonb_build_object(
    'likelihood', jsonb_build_array(
      jsonb_build_object('name', 'rzadkie', 'description', 'raz na ponad 5 lat'),
      jsonb_build_object('name', 'mało prawdopodobne', 'description', 'raz na 2-5 lat'),
      jsonb_build_object('name', 'możliwe', 'description', 'raz na 1-2 lata'),
      jsonb_build_object('name', 'prawdopodobne', 'description', 'kilka razy w roku'),
      jsonb_build_object('name', 'niemal pewne', 'description', 'co miesiąc lub częściej')),
    'impact', jsonb_build_array(
      jsonb_build_object('name', 'nieznaczny', 'description', 'bez wpływu na usługi, finanse, wizerunek i dane osobowe'),
      jsonb_build_object('name', 'mały', 'description', 'krótkie zakłócenie usługi, strata do 10 tys. zł'),
      jsonb_build_object('name', 'średni', 'description', 'zakłócenie usług do tygodnia, lokalne media, strata do 100 tys. zł'),
      jsonb_build_object('name', 'duży', 'description', 'przerwa w usługach, naruszenie danych osobowych, strata do 1 mln zł'),
      jsonb_build_object('name', 'krytyczny', 'description', 'utrata zdolności działania, poważne naruszenie praw osób')),
    'bands', jsonb_build_array(
      jsonb_build_object('band', 'low', 'up_to', 4, 'colour', '#2E7D32'),
      jsonb_build_object('band', 'medium', 'up_to', 9, 'colour', '#F9A825'),
      jsonb_build_object('band', 'high', 'up_to', 16, 'colour', '#EF6C00'),
      jsonb_build_object('band', 'critical', 'up_to', 25, 'colour', '#C62828')),
    'appetite', 6);

-- Every organisation has a matrix from its creation on (version 1, the default).
INSERT INTO risk_matrices (org_id, version, likelihood, impact, bands, appetite, created_by)
SELECT o.id, 1, d->'likelihood', d->'impact', d->'bands', (d->>'appetite')::integer, 'system'
FROM organisations o, zsz_risk_matrix_default() AS d;

CREATE FUNCTION zsz_risk_matrix_for_new_org() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO risk_matrices (org_id, version, likelihood, impact, bands, appetite, created_by)
  SELECT NEW.id, 1, d->'likelihood', d->'impact', d->'bands', (d->>'appetite')::integer, 'system'
  FROM zsz_risk_matrix_default() AS d;
  RETURN NULL;
END
$$;
CREATE TRIGGER organisations_risk_matrix AFTER INSERT ON organisations
  FOR EACH ROW EXECUTE FUNCTION zsz_risk_matrix_for_new_org();

-- The band of a level under a matrix's bands (four, in order): the first band whose up_to
-- reaches it. One expression, no sub-select, so that it inlines (the map computes it per cell).
CREATE FUNCTION zsz_risk_band(bands jsonb, level integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN level <= (bands->0->>'up_to')::integer THEN bands->0->>'band'
              WHEN level <= (bands->1->>'up_to')::integer THEN bands->1->>'band'
              WHEN level <= (bands->2->>'up_to')::integer THEN bands->2->>'band'
              ELSE bands->3->>'band' END;

CREATE FUNCTION zsz_risk_matrix_json(m risk_matrices) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'version', m.version,
    'likelihood', (SELECT json_agg(json_build_object('level', i, 'name', s->>'name',
                                                     'description', coalesce(s->>'description', '')) ORDER BY i)
                   FROM jsonb_array_elements(m.likelihood) WITH ORDINALITY AS x(s, i)),
    'impact', (SELECT json_agg(json_build_object('level', i, 'name', s->>'name',
                                                 'description', coalesce(s->>'description', '')) ORDER BY i)
               FROM jsonb_array_elements(m.impact) WITH ORDINALITY AS x(s, i)),
    'bands', (SELECT json_agg(json_build_object('band', b->>'band', 'up_to', (b->>'up_to')::integer,
                                                'colour', b->>'colour') ORDER BY i)
              FROM jsonb_array_elements(m.bands) WITH ORDINALITY AS x(b, i)),
    'appetite', m.appetite,
    'appetite_band', zsz_risk_band(m.bands, m.appetite),
    'cells', (SELECT json_agg(json_build_object('likelihood', l, 'impact', i, 'level', l * i,
                                                'band', zsz_risk_band(m.bands, (l * i)::integer)) ORDER BY l, i)
              FROM generate_series(1, jsonb_array_length(m.likelihood)) AS l,
                   generate_series(1, jsonb_array_length(m.impact)) AS i),
    'created_by', m.created_by, 'created_at', zsz_ts(m.created_at));

-- ---- risks ----------------------------------------------------------------------------------

CREATE TABLE risk_counters (
  org_id bigint NOT NULL REFERENCES organisations(id),
  year   integer NOT NULL,
  last   integer NOT NULL,
  PRIMARY KEY (org_id, year)
);

CREATE TABLE risks (
  id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id                   bigint NOT NULL REFERENCES organisations(id),
  number                   text NOT NULL,
  kind                     text NOT NULL CHECK (kind IN ('risk', 'opportunity')),
  title                    text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  description              text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
  area                     text NOT NULL CHECK (area IN ('long_term_objective', 'sector_programme', 'asset_security',
                                                         'project', 'budget_task', 'process',
                                                         'information_security', 'other')),
  process_ids              bigint[] NOT NULL DEFAULT '{}',
  objective_ids            bigint[] NOT NULL DEFAULT '{}',
  org_unit_ids             bigint[] NOT NULL DEFAULT '{}',
  assets                   text[] NOT NULL DEFAULT '{}',
  owner                    text NOT NULL,
  status                   text NOT NULL DEFAULT 'identified'
                           CHECK (status IN ('identified', 'assessed', 'treatment', 'monitored', 'accepted', 'closed')),
  status_reason            text CHECK (length(status_reason) <= 2000),
  -- the latest assessment (the history is risk_assessments)
  matrix_version           integer,
  inherent_likelihood      integer,
  inherent_impact          integer,
  inherent_level           integer,
  inherent_band            text,
  residual_likelihood      integer,
  residual_impact          integer,
  residual_level           integer,
  residual_band            text,
  above_appetite           boolean,
  assessed_at              timestamptz,
  assessed_by              text,
  -- treatment
  treatment_option         text CHECK (treatment_option IN ('reduce', 'accept', 'avoid', 'transfer')),
  treatment_note           text NOT NULL DEFAULT '' CHECK (length(treatment_note) <= 5000),
  controls                 jsonb NOT NULL DEFAULT '[]',
  -- acceptance
  accepted_by              text,
  accepted_at              timestamptz,
  accepted_level           integer,
  acceptance_justification text CHECK (length(acceptance_justification) <= 5000),
  acceptance_expires       date,
  -- monitoring
  review_due               date NOT NULL,
  last_reviewed_at         timestamptz,
  closed_at                timestamptz,
  revision                 bigint NOT NULL DEFAULT 1,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, number),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, owner) REFERENCES users (org_id, sub),
  FOREIGN KEY (org_id, matrix_version) REFERENCES risk_matrices (org_id, version)
);
CREATE INDEX risks_owner ON risks (org_id, owner);
CREATE INDEX risks_processes ON risks USING gin (process_ids);

-- Every assessment, kept: the trend, and the matrix version it was made under.
CREATE TABLE risk_assessments (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id              bigint NOT NULL REFERENCES organisations(id),
  risk_id             bigint NOT NULL,
  matrix_version      integer NOT NULL,
  inherent_likelihood integer NOT NULL CHECK (inherent_likelihood >= 1),
  inherent_impact     integer NOT NULL CHECK (inherent_impact >= 1),
  inherent_level      integer NOT NULL,
  inherent_band       text NOT NULL,
  residual_likelihood integer NOT NULL CHECK (residual_likelihood >= 1),
  residual_impact     integer NOT NULL CHECK (residual_impact >= 1),
  residual_level      integer NOT NULL,
  residual_band       text NOT NULL,
  above_appetite      boolean NOT NULL,
  note                text NOT NULL DEFAULT '' CHECK (length(note) <= 5000),
  assessed_by         text NOT NULL,
  assessed_at         timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, risk_id) REFERENCES risks (org_id, id),
  FOREIGN KEY (org_id, matrix_version) REFERENCES risk_matrices (org_id, version)
);
CREATE INDEX risk_assessments_risk ON risk_assessments (org_id, risk_id, id);

CREATE TABLE risk_actions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      bigint NOT NULL REFERENCES organisations(id),
  risk_id     bigint NOT NULL,
  description text NOT NULL CHECK (length(description) BETWEEN 1 AND 5000),
  responsible text NOT NULL,
  due_date    date NOT NULL,
  status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
  done_at     timestamptz,
  note        text NOT NULL DEFAULT '' CHECK (length(note) <= 5000),
  revision    bigint NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, risk_id) REFERENCES risks (org_id, id),
  FOREIGN KEY (org_id, responsible) REFERENCES users (org_id, sub)
);
CREATE INDEX risk_actions_risk ON risk_actions (org_id, risk_id, id);
CREATE INDEX risk_actions_open ON risk_actions (org_id, risk_id, due_date) WHERE status = 'open';
CREATE INDEX risk_actions_responsible ON risk_actions (org_id, responsible);

CREATE TABLE risk_reviews (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      bigint NOT NULL REFERENCES organisations(id),
  risk_id     bigint NOT NULL,
  note        text NOT NULL CHECK (length(note) BETWEEN 1 AND 5000),
  reviewed_by text NOT NULL,
  reviewed_at timestamptz NOT NULL DEFAULT now(),
  next_due    date NOT NULL,
  FOREIGN KEY (org_id, risk_id) REFERENCES risks (org_id, id)
);
CREATE INDEX risk_reviews_risk ON risk_reviews (org_id, risk_id, id);

-- ---- the Statement of Applicability ----------------------------------------------------------

-- One row per Annex A control the organisation has decided on (the 93 identifiers and short
-- titles are built into the server: api/registers/soa/controls.c).
CREATE TABLE soa_entries (
  org_id         bigint NOT NULL REFERENCES organisations(id),
  control        text NOT NULL CHECK (control ~ '^A\.[5-8]\.[0-9]{1,2}$'),
  applicable     boolean NOT NULL,
  justification  text NOT NULL CHECK (length(justification) BETWEEN 1 AND 5000),
  implementation text CHECK (implementation IN ('not_started', 'partial', 'implemented')),
  risk_ids       bigint[] NOT NULL DEFAULT '{}',
  obligations    text[] NOT NULL DEFAULT '{}',
  evidence       jsonb NOT NULL DEFAULT '{"text": "", "case_marks": [], "document_ids": []}',
  updated_by     text NOT NULL,
  revision       bigint NOT NULL DEFAULT 1,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, control),
  CHECK (applicable = (implementation IS NOT NULL))
);

-- The SoA's workflow (draft -> submitted -> approved | returned), one row per organisation.
CREATE TABLE soa_states (
  org_id        bigint PRIMARY KEY REFERENCES organisations(id),
  status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
  version       integer NOT NULL DEFAULT 1,
  return_reason text CHECK (length(return_reason) <= 2000),
  submitted_by  text,
  submitted_at  timestamptz,
  revision      bigint NOT NULL DEFAULT 1,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Approved versions, frozen: written only with the approval, never changed.
CREATE TABLE soa_versions (
  org_id       bigint NOT NULL REFERENCES organisations(id),
  version      integer NOT NULL,
  snapshot     jsonb NOT NULL,
  submitted_by text NOT NULL,
  approved_by  text NOT NULL,
  approved_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, version)
);

-- ---- audits cite risks ----------------------------------------------------------------------

ALTER TABLE audits ADD COLUMN risk_ids bigint[] NOT NULL DEFAULT '{}';

-- ---- change log, grants, tenancy -------------------------------------------------------------

CREATE TRIGGER risk_matrices_log AFTER INSERT OR UPDATE ON risk_matrices
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('risk_matrix', 'version');
CREATE TRIGGER risks_log AFTER INSERT OR UPDATE ON risks
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('risk');
CREATE TRIGGER risk_assessments_log AFTER INSERT OR UPDATE ON risk_assessments
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('risk_assessment');
CREATE TRIGGER risk_actions_log AFTER INSERT OR UPDATE ON risk_actions
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('risk_action');
CREATE TRIGGER risk_reviews_log AFTER INSERT OR UPDATE ON risk_reviews
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('risk_review');
CREATE TRIGGER soa_entries_log AFTER INSERT OR UPDATE ON soa_entries
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('soa_entry', 'control');
CREATE TRIGGER soa_states_log AFTER INSERT OR UPDATE ON soa_states
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('soa', 'version');

GRANT SELECT, INSERT, UPDATE ON risk_counters, risks, risk_actions, soa_entries, soa_states TO zsz_app;
GRANT SELECT, INSERT ON risk_matrices, risk_assessments, risk_reviews, soa_versions TO zsz_app;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['risk_matrices', 'risk_counters', 'risks', 'risk_assessments', 'risk_actions',
                           'risk_reviews', 'soa_entries', 'soa_states', 'soa_versions'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant ON %I TO zsz_app USING (org_id = zsz_current_org()) '
                   'WITH CHECK (org_id = zsz_current_org())', t);
  END LOOP;
END
$$;

-- ---- computed state -------------------------------------------------------------------------

-- The status as of today: an accepted risk whose acceptance has expired is back in
-- `assessed` (and on the worklist) from the day after its expiry, without waiting for a job.
CREATE FUNCTION zsz_risk_status(r risks) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE WHEN r.status = 'accepted' AND r.acceptance_expires < zsz_today() THEN 'assessed' ELSE r.status END;

CREATE FUNCTION zsz_risk_review_overdue(r risks) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN r.status <> 'closed' AND r.review_due < zsz_today();

CREATE FUNCTION zsz_risk_actions_overdue(r risks) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN r.status <> 'closed'
         AND EXISTS (SELECT 1 FROM risk_actions a WHERE a.org_id = r.org_id AND a.risk_id = r.id
                       AND a.status = 'open' AND a.due_date < zsz_today());

-- The next review: a quarter after `from` for a critical residual risk, else a year.
CREATE FUNCTION zsz_risk_next_review(band text, from_day date) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (from_day + CASE WHEN band = 'critical' THEN interval '3 months' ELSE interval '1 year' END)::date;

-- Why a risk is on the worklist (empty: it is not), in a fixed order; actions_overdue is
-- zsz_risk_actions_overdue(r), which the worklist computes for every risk in one join. One
-- expression, so that it inlines into the worklist's filter.
CREATE FUNCTION zsz_risk_reasons(r risks, actions_overdue boolean) RETURNS text[]
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE WHEN r.status = 'closed' THEN '{}'::text[] ELSE array_remove(ARRAY[
    CASE WHEN r.status = 'identified' THEN 'unassessed' END,
    CASE WHEN r.above_appetite AND zsz_risk_status(r) = 'assessed' THEN 'above_appetite_untreated' END,
    CASE WHEN r.status = 'accepted' AND r.acceptance_expires < zsz_today() THEN 'acceptance_expired' END,
    CASE WHEN r.status = 'accepted' AND r.acceptance_expires BETWEEN zsz_today() AND zsz_today() + 30
         THEN 'acceptance_expiring' END,
    CASE WHEN r.review_due < zsz_today() THEN 'review_overdue' END,
    CASE WHEN actions_overdue THEN 'actions_overdue' END], NULL) END;

CREATE FUNCTION zsz_risk_worklist_reasons(r risks) RETURNS text[]
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_risk_reasons(r, zsz_risk_actions_overdue(r));

-- ---- record rules (the caller's sub and role names, never role bits) ---------------------------

-- The processes a user owns (what the read rule of a process owner looks at).
CREATE FUNCTION zsz_processes_owned(org bigint, who text) RETURNS bigint[]
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN ARRAY(SELECT p.id FROM processes p WHERE p.org_id = org AND p.owner = who);

-- Who reads a risk: the plenipotentiary, the president and auditors (audit evidence) every
-- one; its owner (whatever its role); the IOD information-security risks; a process owner
-- the risks of its processes (owned: zsz_processes_owned(org, sub)). Over many risks a
-- statement computes owned once and passes it (the function then inlines into the
-- statement's filter: the map and the worklist read 20,000 risks in milliseconds, not in the
-- second a per-row sub-select costs); zsz_risk_readable below is the same rule for one risk.
CREATE FUNCTION zsz_risk_visible(r risks, sub text, roles text[], owned bigint[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN roles && ARRAY['plenipotentiary', 'president', 'auditor'] OR r.owner = sub
      OR ('iod' = ANY (roles) AND r.area = 'information_security')
      OR ('process_owner' = ANY (roles) AND r.process_ids && owned);

CREATE FUNCTION zsz_risk_readable(r risks, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_risk_visible(r, sub, roles, zsz_processes_owned(r.org_id, sub));

-- Who manages a risk (edits, assesses, treats, reviews, plans and changes actions, moves it):
-- the plenipotentiary, its owner, the IOD an information-security risk.
CREATE FUNCTION zsz_risk_manages(r risks, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR r.owner = sub
      OR ('iod' = ANY (roles) AND r.area = 'information_security');

-- Who may register a risk of this area: the plenipotentiary any, the IOD information security.
CREATE FUNCTION zsz_risk_may_create(area text, roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR ('iod' = ANY (roles) AND area = 'information_security');

-- Who may accept the residual risk: within the appetite its owner, the plenipotentiary or
-- the president; above it only the president, or the plenipotentiary up to `high`.
CREATE FUNCTION zsz_risk_may_accept(r risks, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE WHEN r.residual_level IS NULL THEN false
              WHEN NOT r.above_appetite THEN roles && ARRAY['plenipotentiary', 'president'] OR r.owner = sub
              ELSE 'president' = ANY (roles)
                   OR ('plenipotentiary' = ANY (roles) AND r.residual_band IN ('low', 'medium', 'high')) END;

-- Who reads a treatment action: whoever reads its risk, and its responsible (any employee).
CREATE FUNCTION zsz_risk_action_readable(r risks, x risk_actions, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_risk_readable(r, sub, roles) OR x.responsible = sub;

-- Who may change the fields named of an action: whoever manages its risk, every field; its
-- responsible only status and note (marking it done).
CREATE FUNCTION zsz_risk_action_may_change(r risks, x risk_actions, sub text, roles text[], fields text[])
  RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_risk_manages(r, sub, roles) OR (x.responsible = sub AND fields <@ ARRAY['status', 'note']);

-- ---- documents ------------------------------------------------------------------------------

CREATE FUNCTION zsz_risk_action_json(a risk_actions) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', a.id, 'risk_id', a.risk_id, 'description', a.description,
                           'responsible', a.responsible, 'due_date', a.due_date, 'status', a.status,
                           'done_at', zsz_ts(a.done_at), 'note', a.note,
                           'overdue', a.status = 'open' AND a.due_date < zsz_today(),
                           'created_at', zsz_ts(a.created_at), 'updated_at', zsz_ts(a.updated_at));

CREATE FUNCTION zsz_risk_assessment_json(a risk_assessments) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', a.id, 'risk_id', a.risk_id, 'matrix_version', a.matrix_version,
                           'inherent', json_build_object('likelihood', a.inherent_likelihood,
                                                         'impact', a.inherent_impact, 'level', a.inherent_level,
                                                         'band', a.inherent_band),
                           'residual', json_build_object('likelihood', a.residual_likelihood,
                                                         'impact', a.residual_impact, 'level', a.residual_level,
                                                         'band', a.residual_band),
                           'above_appetite', a.above_appetite, 'note', a.note, 'assessed_by', a.assessed_by,
                           'assessed_at', zsz_ts(a.assessed_at));

-- The register's row without its lists (the map's, the worklist's and the list's item).
CREATE FUNCTION zsz_risk_summary_json(r risks) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', r.id, 'number', r.number, 'kind', r.kind, 'title', r.title, 'area', r.area, 'owner', r.owner,
    'status', zsz_risk_status(r), 'inherent_band', r.inherent_band, 'residual_band', r.residual_band,
    'residual_level', r.residual_level, 'above_appetite', r.above_appetite, 'review_due', r.review_due,
    'acceptance_expires', r.acceptance_expires);

CREATE FUNCTION zsz_risk_json(r risks) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', r.id, 'number', r.number, 'kind', r.kind, 'title', r.title, 'description', r.description,
    'area', r.area, 'process_ids', to_json(r.process_ids), 'objective_ids', to_json(r.objective_ids),
    'org_unit_ids', to_json(r.org_unit_ids), 'assets', to_json(r.assets), 'owner', r.owner,
    'status', zsz_risk_status(r), 'status_reason', r.status_reason,
    'assessment', CASE WHEN r.residual_level IS NULL THEN NULL ELSE json_build_object(
      'matrix_version', r.matrix_version,
      'inherent', json_build_object('likelihood', r.inherent_likelihood, 'impact', r.inherent_impact,
                                    'level', r.inherent_level, 'band', r.inherent_band),
      'residual', json_build_object('likelihood', r.residual_likelihood, 'impact', r.residual_impact,
                                    'level', r.residual_level, 'band', r.residual_band),
      'above_appetite', r.above_appetite, 'assessed_by', r.assessed_by, 'assessed_at', zsz_ts(r.assessed_at)) END,
    'treatment', json_build_object('option', r.treatment_option, 'note', r.treatment_note, 'controls', r.controls),
    'acceptance', CASE WHEN r.accepted_at IS NULL THEN NULL ELSE json_build_object(
      'accepted_by', r.accepted_by, 'accepted_at', zsz_ts(r.accepted_at), 'level', r.accepted_level,
      'justification', r.acceptance_justification, 'expires_on', r.acceptance_expires,
      'expired', r.acceptance_expires < zsz_today()) END,
    'review_due', r.review_due, 'last_reviewed_at', zsz_ts(r.last_reviewed_at),
    'review_overdue', zsz_risk_review_overdue(r),
    'actions', coalesce((SELECT json_agg(zsz_risk_action_json(a) ORDER BY a.id) FROM risk_actions a
                         WHERE a.org_id = r.org_id AND a.risk_id = r.id), '[]'),
    'reviews', coalesce((SELECT json_agg(json_build_object('id', v.id, 'note', v.note, 'reviewed_by', v.reviewed_by,
                                                           'reviewed_at', zsz_ts(v.reviewed_at),
                                                           'next_due', v.next_due) ORDER BY v.id)
                         FROM risk_reviews v WHERE v.org_id = r.org_id AND v.risk_id = r.id), '[]'),
    'worklist', to_json(zsz_risk_worklist_reasons(r)),
    'closed_at', zsz_ts(r.closed_at), 'created_at', zsz_ts(r.created_at), 'updated_at', zsz_ts(r.updated_at));

-- ---- for other registers ---------------------------------------------------------------------

-- What a person answers for in this register (joined into GET /users/{sub}/responsibilities):
-- the risks it owns (what 'review', due its next review; 'acceptance', due the acceptance's
-- expiry, while accepted), and the open treatment actions it is responsible for ('action').
-- Closed risks are left out.
CREATE FUNCTION risk_responsibilities(org bigint, who text)
  RETURNS TABLE (entity text, id bigint, title text, what text, due date)
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT 'risk', r.id, r.number || ' ' || r.title, 'review', r.review_due
    FROM risks r WHERE r.org_id = org AND r.owner = who AND r.status <> 'closed'
  UNION ALL
  SELECT 'risk', r.id, r.number || ' ' || r.title, 'acceptance', r.acceptance_expires
    FROM risks r WHERE r.org_id = org AND r.owner = who AND r.status = 'accepted'
  UNION ALL
  SELECT 'risk_action', a.id, r.number || ' ' || a.description, 'action', a.due_date
    FROM risk_actions a JOIN risks r ON r.org_id = a.org_id AND r.id = a.risk_id
   WHERE a.org_id = org AND a.responsible = who AND a.status = 'open' AND r.status <> 'closed'
  ORDER BY 5, 1, 2;
END;

-- The register over a period, for section (h) of the management review (the JSON shape is
-- documented in docs/design-risks.md): the risks open at the end of the period by band,
-- inherent and residual, above the appetite without treatment, acceptances given in the
-- period and in force or expired at its end, reviews and actions overdue at its end (or
-- today, when the period has not ended), risks identified and closed in the period.
CREATE FUNCTION zsz_risk_summary(org bigint, from_day date, to_day date) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH d AS (SELECT least(to_day, zsz_today()) AS at_day),
  r AS (SELECT r.* FROM risks r, d WHERE r.org_id = org AND (r.created_at AT TIME ZONE 'UTC')::date <= to_day
          AND (r.closed_at IS NULL OR (r.closed_at AT TIME ZONE 'UTC')::date > to_day)),
  bands AS (SELECT unnest(ARRAY['low', 'medium', 'high', 'critical']) AS band)
  SELECT json_build_object(
    'from', from_day, 'to', to_day, 'as_of', (SELECT at_day FROM d),
    'open', (SELECT count(*) FROM r),
    'risks', (SELECT count(*) FROM r WHERE r.kind = 'risk'),
    'opportunities', (SELECT count(*) FROM r WHERE r.kind = 'opportunity'),
    'inherent', (SELECT json_object_agg(b.band, (SELECT count(*) FROM r WHERE r.inherent_band = b.band)) FROM bands b),
    'residual', (SELECT json_object_agg(b.band, (SELECT count(*) FROM r WHERE r.residual_band = b.band)) FROM bands b),
    'unassessed', (SELECT count(*) FROM r WHERE r.residual_level IS NULL),
    'above_appetite_untreated', (SELECT count(*) FROM r WHERE r.above_appetite AND r.treatment_option IS NULL
                                   AND NOT (r.status = 'accepted' AND r.acceptance_expires >= (SELECT at_day FROM d))),
    'acceptances', json_build_object(
      'given', (SELECT count(*) FROM risks x WHERE x.org_id = org
                  AND (x.accepted_at AT TIME ZONE 'UTC')::date BETWEEN from_day AND to_day),
      'in_force', (SELECT count(*) FROM r WHERE r.status = 'accepted'
                     AND r.acceptance_expires >= (SELECT at_day FROM d)),
      'expired', (SELECT count(*) FROM r WHERE r.status = 'accepted'
                    AND r.acceptance_expires < (SELECT at_day FROM d))),
    'reviews_overdue', (SELECT count(*) FROM r WHERE r.review_due < (SELECT at_day FROM d)),
    'reviews_done', (SELECT count(*) FROM risk_reviews v WHERE v.org_id = org
                       AND (v.reviewed_at AT TIME ZONE 'UTC')::date BETWEEN from_day AND to_day),
    'actions_overdue', (SELECT count(*) FROM risk_actions a JOIN r ON r.id = a.risk_id
                          WHERE a.org_id = org AND a.due_date < (SELECT at_day FROM d)
                            AND (a.done_at IS NULL OR (a.done_at AT TIME ZONE 'UTC')::date > (SELECT at_day FROM d))),
    'identified', (SELECT count(*) FROM risks x WHERE x.org_id = org
                     AND (x.created_at AT TIME ZONE 'UTC')::date BETWEEN from_day AND to_day),
    'closed', (SELECT count(*) FROM risks x WHERE x.org_id = org
                 AND (x.closed_at AT TIME ZONE 'UTC')::date BETWEEN from_day AND to_day));
END;

-- ---- audits cite risks ----------------------------------------------------------------------

CREATE OR REPLACE FUNCTION zsz_audit_json(a audits) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', a.id, 'code', a.code, 'year', a.year, 'kind', a.kind,
                           'scope_process_ids', to_json(a.scope_process_ids),
                           'scope_org_unit_ids', to_json(a.scope_org_unit_ids), 'criteria', to_json(a.criteria),
                           'risk_ids', to_json(a.risk_ids),
                           'planned_start', a.planned_start, 'planned_end', a.planned_end,
                           'lead_auditor', a.lead_auditor, 'team', to_json(a.team), 'auditees', to_json(a.auditees),
                           'status', a.status, 'status_reason', a.status_reason,
                           'report', zsz_audit_report_json(a.report),
                           'reported_at', zsz_ts(a.reported_at), 'created_at', zsz_ts(a.created_at),
                           'updated_at', zsz_ts(a.updated_at));

-- The high and critical risks (by residual band, else inherent) not closed that no audit of
-- the year (cancelled ones aside) cites: what the programme leaves uncovered.
CREATE FUNCTION zsz_programme_uncovered_risks(org bigint, y integer) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce((SELECT json_agg(json_build_object('id', r.id, 'number', r.number, 'title', r.title,
                                                     'band', coalesce(r.residual_band, r.inherent_band),
                                                     'owner', r.owner) ORDER BY r.number)
                   FROM risks r WHERE r.org_id = org AND r.status <> 'closed'
                     AND coalesce(r.residual_band, r.inherent_band) IN ('high', 'critical')
                     AND NOT EXISTS (SELECT 1 FROM audits a WHERE a.org_id = org AND a.year = y
                                       AND a.status <> 'cancelled' AND r.id = ANY (a.risk_ids))), '[]');

CREATE OR REPLACE FUNCTION zsz_programme_json(p audit_programmes) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'year', p.year, 'objectives', p.objectives, 'risks_considered', p.risks_considered, 'status', p.status,
    'version', p.version, 'return_reason', p.return_reason,
    'approved_versions', coalesce((SELECT json_agg(json_build_object('version', v.version, 'approved_by', v.approved_by,
                                                                     'approved_at', zsz_ts(v.approved_at)) ORDER BY v.version)
                                   FROM audit_programme_versions v WHERE v.org_id = p.org_id AND v.year = p.year), '[]'),
    'audits', zsz_programme_audits(p.org_id, p.year),
    'uncovered_risks', zsz_programme_uncovered_risks(p.org_id, p.year),
    'created_at', zsz_ts(p.created_at), 'updated_at', zsz_ts(p.updated_at));

-- ---- the SoA's documents ------------------------------------------------------------------------

-- The evidence as the contract's SoaEvidence: every member present.
CREATE FUNCTION zsz_soa_evidence_json(e jsonb) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN jsonb_build_object('text', coalesce(e->>'text', ''),
                            'case_marks', coalesce(e->'case_marks', '[]'),
                            'document_ids', coalesce(e->'document_ids', '[]'));

-- The organisation's SoA over the built-in controls (ids and titles, in order, given by the
-- server): one entry per control, undecided ones with applicable null; the risks that call
-- for a control are those the entry names and those whose control mechanisms cite it.
CREATE FUNCTION zsz_soa_controls(org bigint, ids text[], titles text[]) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT jsonb_agg(jsonb_build_object(
            'control', c.id, 'title', c.title, 'applicable', e.applicable,
            'justification', coalesce(e.justification, ''), 'implementation', e.implementation,
            'risk_ids', to_jsonb(coalesce(e.risk_ids, '{}')),
            'linked_risks', coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.id, 'number', r.number,
                                                                          'title', r.title) ORDER BY r.number)
                                      FROM risks r WHERE r.org_id = org AND r.status <> 'closed'
                                        AND (r.id = ANY (e.risk_ids) OR r.controls @> jsonb_build_array(
                                               jsonb_build_object('annex_a', jsonb_build_array(c.id))))), '[]'),
            'obligations', to_jsonb(coalesce(e.obligations, '{}')),
            'evidence', zsz_soa_evidence_json(e.evidence),
            'updated_by', e.updated_by, 'updated_at', zsz_ts(e.updated_at)) ORDER BY c.i)
          FROM unnest(ids, titles) WITH ORDINALITY AS c(id, title, i)
          LEFT JOIN soa_entries e ON e.org_id = org AND e.control = c.id);

CREATE FUNCTION zsz_soa_json(org bigint, ids text[], titles text[]) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH s AS (SELECT coalesce((SELECT status FROM soa_states WHERE org_id = org), 'draft') AS status,
                    coalesce((SELECT version FROM soa_states WHERE org_id = org), 1) AS version,
                    (SELECT return_reason FROM soa_states WHERE org_id = org) AS return_reason),
  c AS (SELECT zsz_soa_controls(org, ids, titles) AS controls)
  SELECT json_build_object(
    'status', s.status, 'version', s.version, 'return_reason', s.return_reason,
    'decided', (SELECT count(*) FROM soa_entries e WHERE e.org_id = org AND e.control = ANY (ids)),
    'applicable', (SELECT count(*) FROM soa_entries e WHERE e.org_id = org AND e.control = ANY (ids) AND e.applicable),
    'total', cardinality(ids),
    'approved_versions', coalesce((SELECT json_agg(json_build_object('version', v.version, 'approved_by', v.approved_by,
                                                                     'approved_at', zsz_ts(v.approved_at)) ORDER BY v.version)
                                   FROM soa_versions v WHERE v.org_id = org), '[]'),
    'controls', c.controls)
  FROM s, c;
END;
