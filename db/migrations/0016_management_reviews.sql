-- Management reviews (ISO 9001 9.3, ISO/IEC 27001 9.3): per-organisation kinds with their
-- cadence and deadlines, the reviews with their workflow, the frozen data packages (every
-- version kept, with the SHA-256 of its canonical JSON), and the decisions (outputs) with
-- owners, due dates and status. The package's sections are computed by the functions
-- zsz_mrp_* below, one per section, listed once in api/registers/management_reviews/package.c.

-- ---- kinds: cadence and deadlines ----------------------------------------------------------
-- A row overrides the Kraków defaults (zsz_mr_rule) for one kind; none: the defaults apply.
CREATE TABLE management_review_rules (
  org_id       bigint NOT NULL REFERENCES organisations(id),
  kind         text NOT NULL CHECK (kind IN ('org_unit', 'isms', 'steering_committee')),
  cadence      text NOT NULL CHECK (cadence IN ('monthly', 'yearly')),
  review_by    text CHECK (review_by ~ '^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'),
  minutes_by   text CHECK (minutes_by ~ '^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'),
  minutes_days integer NOT NULL CHECK (minutes_days BETWEEN 1 AND 365),
  revision     bigint NOT NULL DEFAULT 1,
  PRIMARY KEY (org_id, kind),
  CHECK ((cadence = 'yearly') = (review_by IS NOT NULL AND minutes_by IS NOT NULL))
);

CREATE TABLE management_reviews (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id          bigint NOT NULL REFERENCES organisations(id),
  kind            text NOT NULL CHECK (kind IN ('org_unit', 'isms', 'steering_committee')),
  -- the yearly review of the previous year (isms, steering committee) or an ad hoc one;
  -- a unit's monthly meeting is never ad hoc
  ad_hoc          boolean NOT NULL DEFAULT false,
  period          text NOT NULL CHECK (period ~ '^\d{4}(-(0[1-9]|1[0-2]))?$'),
  org_unit_id     bigint,
  title           text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
  planned_at      timestamptz NOT NULL,
  held_at         timestamptz,
  chair           text NOT NULL DEFAULT '' CHECK (length(chair) <= 200),
  participants    jsonb NOT NULL DEFAULT '[]',
  agenda          text[] NOT NULL DEFAULT '{}',
  -- the inputs a person writes (ISO 9001 9.3.2 b, f, g, h until the risks register lands)
  context_changes text NOT NULL DEFAULT '' CHECK (length(context_changes) <= 20000),
  complaints      text NOT NULL DEFAULT '' CHECK (length(complaints) <= 20000),
  resources       text NOT NULL DEFAULT '' CHECK (length(resources) <= 20000),
  risks           text NOT NULL DEFAULT '' CHECK (length(risks) <= 20000),
  znak_sprawy     text NOT NULL DEFAULT '' CHECK (length(znak_sprawy) <= 100),
  status          text NOT NULL DEFAULT 'planned'
                  CHECK (status IN ('planned', 'package_frozen', 'held', 'minutes_approved', 'cancelled')),
  status_reason   text CHECK (length(status_reason) <= 2000),
  approved_by     text,
  approved_at     timestamptz,
  created_by      text NOT NULL,
  revision        bigint NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, org_unit_id) REFERENCES org_units (org_id, id),
  CHECK ((kind = 'org_unit') = (org_unit_id IS NOT NULL)),
  CHECK (kind <> 'org_unit' OR (NOT ad_hoc AND length(period) = 7))
);
CREATE INDEX management_reviews_kind ON management_reviews (org_id, kind, planned_at, id);

-- Every frozen version: the canonical JSON text exactly as hashed (text, not jsonb, which
-- would reorder it), and its SHA-256 in hex.
CREATE TABLE management_review_packages (
  org_id    bigint NOT NULL REFERENCES organisations(id),
  review_id bigint NOT NULL,
  version   integer NOT NULL,
  content   text NOT NULL,
  sha256    text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  frozen_by text NOT NULL,
  frozen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (review_id, version),
  FOREIGN KEY (org_id, review_id) REFERENCES management_reviews (org_id, id)
);

CREATE TABLE management_review_decisions (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id           bigint NOT NULL REFERENCES organisations(id),
  review_id        bigint NOT NULL,
  type             text NOT NULL CHECK (type IN ('improvement', 'system_change', 'resource_need')),
  title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description      text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
  owner            text NOT NULL,
  due_date         date NOT NULL,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  status_reason    text CHECK (length(status_reason) <= 2000),
  note             text NOT NULL DEFAULT '' CHECK (length(note) <= 5000),
  objective_ids    bigint[] NOT NULL DEFAULT '{}',
  process_ids      bigint[] NOT NULL DEFAULT '{}',
  nonconformity_ids bigint[] NOT NULL DEFAULT '{}',
  risk_ids         bigint[] NOT NULL DEFAULT '{}',
  -- the nonconformity-register action an improvement decision opened
  action_id        bigint,
  closed_at        timestamptz,
  revision         bigint NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, review_id) REFERENCES management_reviews (org_id, id),
  FOREIGN KEY (org_id, owner) REFERENCES users (org_id, sub),
  FOREIGN KEY (org_id, action_id) REFERENCES nonconformity_actions (org_id, id),
  CHECK ((status = 'cancelled') = (status_reason IS NOT NULL))
);
CREATE INDEX management_review_decisions_review ON management_review_decisions (org_id, review_id, id);
CREATE INDEX management_review_decisions_owner ON management_review_decisions (org_id, owner) WHERE status = 'open';

CREATE TRIGGER management_review_rules_log AFTER INSERT OR UPDATE ON management_review_rules
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('management_review_rule', 'kind');
CREATE TRIGGER management_reviews_log AFTER INSERT OR UPDATE ON management_reviews
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('management_review');
-- a package's content is large and never changes: the log records which version was frozen
CREATE TRIGGER management_review_packages_log AFTER INSERT ON management_review_packages
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('management_review_package', 'review_id/version', 'content');
CREATE TRIGGER management_review_decisions_log AFTER INSERT OR UPDATE ON management_review_decisions
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('management_review_decision');

GRANT SELECT, INSERT, UPDATE ON management_review_rules, management_reviews, management_review_decisions TO zsz_app;
GRANT SELECT, INSERT ON management_review_packages TO zsz_app;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['management_review_rules', 'management_reviews', 'management_review_packages',
                           'management_review_decisions'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant ON %I TO zsz_app USING (org_id = zsz_current_org()) '
                   'WITH CHECK (org_id = zsz_current_org())', t);
  END LOOP;
END
$$;

-- ---- rules in force --------------------------------------------------------------------------
-- The organisation's rule for a kind, or the Kraków defaults (001 §11).
CREATE FUNCTION zsz_mr_rule(org bigint, k text) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(
    (SELECT jsonb_build_object('kind', r.kind, 'cadence', r.cadence, 'review_by', r.review_by,
                               'minutes_by', r.minutes_by, 'minutes_days', r.minutes_days)
     FROM management_review_rules r WHERE r.org_id = org AND r.kind = k),
    CASE k
      WHEN 'org_unit' THEN '{"kind": "org_unit", "cadence": "monthly", "review_by": null, "minutes_by": null, "minutes_days": 5}'::jsonb
      WHEN 'isms' THEN '{"kind": "isms", "cadence": "yearly", "review_by": "02-15", "minutes_by": "02-28", "minutes_days": 10}'::jsonb
      ELSE '{"kind": "steering_committee", "cadence": "yearly", "review_by": "03-15", "minutes_by": "03-31", "minutes_days": 14}'::jsonb
    END);

-- A month-day of a year ("02-29" in a common year is the 28th).
CREATE FUNCTION zsz_mr_date(y integer, md text) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN make_date(y, left(md, 2)::integer, 1)
         + (least(right(md, 2)::integer,
                  extract(day FROM (make_date(y, left(md, 2)::integer, 1) + interval '1 month - 1 day'))::integer) - 1);

-- The first day of a period and the day after it: 2026 -> 2026-01-01 .. 2027-01-01.
CREATE FUNCTION zsz_mr_from(period text) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN CASE WHEN length(period) = 4 THEN make_date(period::integer, 1, 1)
              ELSE make_date(left(period, 4)::integer, right(period, 2)::integer, 1) END;
CREATE FUNCTION zsz_mr_to(period text) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN (zsz_mr_from(period) + CASE WHEN length(period) = 4 THEN interval '1 year' ELSE interval '1 month' END)::date;

-- When the review itself is due: a monthly one (a unit's meeting) by the end of its month;
-- the yearly one by review_by of the year after its period; an ad hoc one has no deadline.
CREATE FUNCTION zsz_mr_review_due(org bigint, kind text, period text, ad_hoc boolean) RETURNS date
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE
    WHEN ad_hoc THEN NULL
    WHEN length(period) = 7 THEN zsz_mr_to(period) - 1
    ELSE zsz_mr_date(left(period, 4)::integer + 1, zsz_mr_rule(org, kind) ->> 'review_by')
  END;

-- When the minutes are due: the yearly one's by minutes_by of the year after its period; the
-- others minutes_days after the meeting (null until it is held).
CREATE FUNCTION zsz_mr_minutes_due(r management_reviews) RETURNS date
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE
    WHEN NOT r.ad_hoc AND length(r.period) = 4
      THEN zsz_mr_date(left(r.period, 4)::integer + 1, zsz_mr_rule(r.org_id, r.kind) ->> 'minutes_by')
    WHEN r.held_at IS NOT NULL
      THEN (r.held_at AT TIME ZONE 'Europe/Warsaw')::date + (zsz_mr_rule(r.org_id, r.kind) ->> 'minutes_days')::integer
  END;

-- Minutes late: not approved by their due date (approved after it, or still not approved and
-- the date has passed). A cancelled review is never late.
CREATE FUNCTION zsz_mr_minutes_late(r management_reviews) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN r.status <> 'cancelled' AND zsz_mr_minutes_due(r) IS NOT NULL
         AND coalesce((r.approved_at AT TIME ZONE 'Europe/Warsaw')::date, zsz_today()) > zsz_mr_minutes_due(r);

-- ---- record rules (the caller's sub, role names and unit code) ----------------------------------
-- Who runs a review: the plenipotentiary the steering committee's, the IOD the ISMS one, the
-- head of a unit (role unit_head, unit claim = the unit's code) its unit's meetings.
CREATE FUNCTION zsz_mr_manages(r management_reviews, sub text, roles text[], unit text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE r.kind
    WHEN 'steering_committee' THEN 'plenipotentiary' = ANY (roles)
    WHEN 'isms' THEN 'iod' = ANY (roles)
    ELSE 'unit_head' = ANY (roles)
         AND EXISTS (SELECT 1 FROM org_units u WHERE u.org_id = r.org_id AND u.id = r.org_unit_id AND u.code = unit)
  END;

-- Who approves the minutes: the president the steering committee's, the IOD the ISMS one,
-- the unit's head its unit's.
CREATE FUNCTION zsz_mr_approves(r management_reviews, sub text, roles text[], unit text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE r.kind
    WHEN 'steering_committee' THEN 'president' = ANY (roles)
    ELSE zsz_mr_manages(r, sub, roles, unit)
  END;

-- Who reads a review, its package, minutes and decisions: the president and the
-- plenipotentiary all, auditors all (audit evidence), whoever runs it, and the owner of one
-- of its decisions that review.
CREATE FUNCTION zsz_mr_readable(r management_reviews, sub text, roles text[], unit text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN 'president' = ANY (roles) OR 'plenipotentiary' = ANY (roles) OR 'auditor' = ANY (roles)
      OR zsz_mr_manages(r, sub, roles, unit)
      OR EXISTS (SELECT 1 FROM management_review_decisions d
                 WHERE d.org_id = r.org_id AND d.review_id = r.id AND d.owner = sub);

-- Who may change the fields of a decision: whoever runs its review, every field; its owner,
-- whatever its roles, only status, status_reason and note.
CREATE FUNCTION zsz_mr_decision_may_change(r management_reviews, d management_review_decisions, sub text,
                                           roles text[], unit text, fields text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mr_manages(r, sub, roles, unit)
      OR (d.owner = sub AND fields <@ ARRAY['status', 'status_reason', 'note']);

-- ---- documents ---------------------------------------------------------------------------------
CREATE FUNCTION zsz_mr_decision_json(d management_review_decisions) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', d.id, 'review_id', d.review_id, 'type', d.type, 'title', d.title, 'description', d.description,
    'owner', d.owner, 'due_date', d.due_date, 'status', d.status, 'status_reason', d.status_reason,
    'note', d.note, 'overdue', d.status = 'open' AND d.due_date < zsz_today(),
    'links', json_build_object('objective_ids', to_json(d.objective_ids), 'process_ids', to_json(d.process_ids),
                               'nonconformity_ids', to_json(d.nonconformity_ids), 'risk_ids', to_json(d.risk_ids)),
    'action', CASE WHEN d.action_id IS NOT NULL THEN
      (SELECT json_build_object('id', x.id, 'nonconformity_id', x.nonconformity_id,
                                'number', (SELECT n.number FROM nonconformities n
                                           WHERE n.org_id = x.org_id AND n.id = x.nonconformity_id),
                                'status', x.status)
       FROM nonconformity_actions x WHERE x.org_id = d.org_id AND x.id = d.action_id) END,
    'closed_at', zsz_ts(d.closed_at), 'created_at', zsz_ts(d.created_at), 'updated_at', zsz_ts(d.updated_at));

CREATE FUNCTION zsz_mr_json(r management_reviews) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', r.id, 'kind', r.kind, 'ad_hoc', r.ad_hoc, 'period', r.period, 'org_unit_id', r.org_unit_id,
    'org_unit_code', (SELECT u.code FROM org_units u WHERE u.org_id = r.org_id AND u.id = r.org_unit_id),
    'title', r.title, 'planned_at', zsz_ts(r.planned_at), 'held_at', zsz_ts(r.held_at), 'chair', r.chair,
    'participants', r.participants, 'agenda', to_json(r.agenda),
    'inputs', json_build_object('context_changes', r.context_changes, 'complaints', r.complaints,
                                'resources', r.resources, 'risks', r.risks),
    'znak_sprawy', r.znak_sprawy, 'status', r.status, 'status_reason', r.status_reason,
    'review_due', zsz_mr_review_due(r.org_id, r.kind, r.period, r.ad_hoc), 'minutes_due', zsz_mr_minutes_due(r),
    'minutes_late', zsz_mr_minutes_late(r), 'approved_by', r.approved_by, 'approved_at', zsz_ts(r.approved_at),
    'package_versions', (SELECT count(*) FROM management_review_packages p
                         WHERE p.org_id = r.org_id AND p.review_id = r.id),
    'created_by', r.created_by, 'created_at', zsz_ts(r.created_at), 'updated_at', zsz_ts(r.updated_at));

-- ---- the owner's responsibilities -------------------------------------------------------------
-- Open decisions of management reviews (not cancelled) whose owner is sub, for the
-- organisation org: one row each, (entity, id, title, what, due). Joined by
-- GET /users/{sub}/responsibilities; what is the decision's type.
CREATE FUNCTION management_review_responsibilities(org bigint, sub text)
  RETURNS TABLE (entity text, id bigint, title text, what text, due date)
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT 'management_review_decision'::text, d.id, d.title, d.type, d.due_date
    FROM management_review_decisions d
    JOIN management_reviews r ON r.org_id = d.org_id AND r.id = d.review_id
    WHERE d.org_id = org AND d.owner = sub AND d.status = 'open' AND r.status <> 'cancelled'
    ORDER BY d.due_date, d.id
  $$;

-- ---- the data package: one function per section ---------------------------------------------
-- Each takes the review and answers its section as jsonb, computed from the registers for the
-- review's period (zsz_mr_from .. zsz_mr_to, UTC) and scope. (Most are a wrapper around a
-- function of plain values, <name>_of: a query that reads the review's fields from a row
-- parameter ran four times slower, measured with scripts/bench.sh.) Their scope (a unit's meeting: the
-- nonconformities of the unit's processes and the unit's objectives; the others: the whole
-- organisation). Counts are integers; every other number is text (numeric::text), so the
-- canonical form that is hashed never depends on how a client prints a float. Lists of ids
-- give the records behind each figure. The C table SECTIONS (package.c) lists them.

-- (a) decisions of earlier reviews of the same kind (and unit): open ones, and those closed
-- since the period began.
CREATE FUNCTION zsz_mrp_previous_actions_of(org bigint, f date, unit bigint, k text, review bigint, planned timestamptz)
  RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH d AS (
    SELECT d.id, d.review_id, d.type, d.title, d.owner, d.due_date, d.status,
           d.status = 'open' AND d.due_date < zsz_today() AS overdue
    FROM management_review_decisions d
    JOIN management_reviews p ON p.org_id = d.org_id AND p.id = d.review_id
    WHERE d.org_id = org AND p.kind = k AND p.id <> review AND p.status <> 'cancelled'
      AND p.planned_at < planned AND p.org_unit_id IS NOT DISTINCT FROM unit
      AND (d.status = 'open' OR d.closed_at >= f))
  SELECT jsonb_build_object(
    'open', count(*) FILTER (WHERE status = 'open'), 'done', count(*) FILTER (WHERE status = 'done'),
    'cancelled', count(*) FILTER (WHERE status = 'cancelled'), 'overdue', count(*) FILTER (WHERE overdue),
    'decisions', coalesce(jsonb_agg(jsonb_build_object('id', id, 'review_id', review_id, 'type', type,
                                                       'title', title, 'owner', owner, 'due_date', due_date,
                                                       'status', status, 'overdue', overdue) ORDER BY id), '[]'))
  FROM d
$$;
CREATE FUNCTION zsz_mrp_previous_actions(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_previous_actions_of(r.org_id, zsz_mr_from(r.period), r.org_unit_id, r.kind, r.id, r.planned_at);

-- Audits held (reported or closed, ending in the period) of the given kinds, their findings by
-- kind and clause, and the completion of the programme of the period's year.
CREATE FUNCTION zsz_mrp_audit_summary(org bigint, f date, t date, y integer, kinds text[]) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH a AS (SELECT a.id FROM audits a
             WHERE a.org_id = org AND a.kind = ANY (kinds) AND a.status IN ('reported', 'closed')
               AND a.planned_end >= f AND a.planned_end < t),
  fi AS (SELECT x.kind, x.clause FROM audit_findings x JOIN a ON a.id = x.audit_id WHERE x.org_id = org),
  prog AS (SELECT count(*) FILTER (WHERE a.status <> 'cancelled') AS planned,
                  count(*) FILTER (WHERE a.status IN ('reported', 'closed')) AS completed
           FROM audits a WHERE a.org_id = org AND a.year = y AND a.kind = ANY (kinds))
  SELECT jsonb_build_object(
    'audits_held', (SELECT count(*) FROM a),
    'audit_ids', (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]') FROM a),
    'findings_by_kind', (SELECT coalesce(jsonb_object_agg(kind, n), '{}')
                         FROM (SELECT kind, count(*) AS n FROM fi GROUP BY kind) AS k),
    'findings_by_clause', (SELECT coalesce(jsonb_object_agg(clause, n), '{}')
                           FROM (SELECT clause, count(*) AS n FROM fi GROUP BY clause) AS k),
    'programme', (SELECT jsonb_build_object('year', y, 'planned', planned, 'completed', completed,
                                            'completion_percent',
                                            CASE WHEN planned > 0 THEN round(100.0 * completed / planned, 1)::text END)
                  FROM prog))
$$;

-- (c) audit results: every kind of audit.
CREATE FUNCTION zsz_mrp_audits(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_audit_summary(r.org_id, zsz_mr_from(r.period), zsz_mr_to(r.period), left(r.period, 4)::integer,
                               ARRAY['quality', 'information_security', 'integrated']);

-- (d) nonconformities opened and closed in the period, overdue today (an open action past
-- its due date), the first-time effectiveness rate of those closed (closed in round 1), by
-- process.
CREATE FUNCTION zsz_mrp_nonconformities_of(org bigint, f date, t date, y integer, unit bigint) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH n AS (
    SELECT n.id, n.process_id, n.round,
           n.created_at >= f AS opened,
           n.status = 'closed' AND n.closed_at >= f AND n.closed_at < t AS closed,
           -- zsz_nc_overdue(n), as one anti-join instead of a function call per card
           n.status NOT IN ('closed', 'cancelled') AND late.nonconformity_id IS NOT NULL AS overdue
    FROM nonconformities n
    LEFT JOIN (SELECT DISTINCT a.nonconformity_id FROM nonconformity_actions a
               WHERE a.org_id = org AND a.status = 'open' AND a.due_date < zsz_today()) AS late
      ON late.nonconformity_id = n.id
    WHERE n.org_id = org AND n.created_at < t
      AND (n.created_at >= f OR n.closed_at >= f
           OR n.status NOT IN ('closed', 'cancelled'))
      AND (unit IS NULL OR n.process_id IN (SELECT p.id FROM processes p
                                                     WHERE p.org_id = org AND p.org_unit_id = unit))),
  m AS (SELECT * FROM n WHERE opened OR closed OR overdue)
  SELECT jsonb_build_object(
    'opened', count(*) FILTER (WHERE opened), 'closed', count(*) FILTER (WHERE closed),
    'overdue', count(*) FILTER (WHERE overdue),
    'closed_first_time', count(*) FILTER (WHERE closed AND round = 1),
    'first_time_effective_percent',
      CASE WHEN count(*) FILTER (WHERE closed) > 0
           THEN round(100.0 * count(*) FILTER (WHERE closed AND round = 1) / count(*) FILTER (WHERE closed), 1)::text END,
    'opened_ids', coalesce(jsonb_agg(id ORDER BY id) FILTER (WHERE opened), '[]'),
    'closed_ids', coalesce(jsonb_agg(id ORDER BY id) FILTER (WHERE closed), '[]'),
    'overdue_ids', coalesce(jsonb_agg(id ORDER BY id) FILTER (WHERE overdue), '[]'),
    'by_process', coalesce((SELECT jsonb_agg(jsonb_build_object(
                              'process_id', g.process_id,
                              'code', (SELECT p.code FROM processes p WHERE p.org_id = org AND p.id = g.process_id),
                              'opened', g.opened, 'closed', g.closed, 'overdue', g.overdue) ORDER BY g.process_id)
                            FROM (SELECT process_id, count(*) FILTER (WHERE opened) AS opened,
                                         count(*) FILTER (WHERE closed) AS closed,
                                         count(*) FILTER (WHERE overdue) AS overdue
                                  FROM m GROUP BY process_id) AS g), '[]'))
  FROM m
$$;
CREATE FUNCTION zsz_mrp_nonconformities(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_nonconformities_of(r.org_id, zsz_mr_from(r.period), zsz_mr_to(r.period), left(r.period, 4)::integer, r.org_unit_id);

-- (e) satisfaction: each survey of the period's year (open or closed), from the counts kept
-- as responses arrive: the mean of every 1-5 answer, its standard deviation and 95%
-- confidence interval (normal approximation), the change against the previous survey of the
-- same kind, and the questions whose mean is below the survey's target.
CREATE FUNCTION zsz_mrp_satisfaction_of(org bigint, f date, t date, y integer, unit bigint) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH s AS (
    SELECT s.id, s.title, s.kind, s.year, s.target_mean, s.response_count,
           (SELECT array_agg(q ->> 'key') FROM jsonb_array_elements(s.questions) AS q
            WHERE q ->> 'type' = 'scale_1_5') AS scale_keys
    FROM surveys s WHERE s.org_id = org AND s.year = y AND s.status <> 'draft'),
  st AS (
    SELECT s.id, sum(c.count) AS n, sum(c.value::integer * c.count) AS sx, sum(c.value::integer * c.value::integer * c.count) AS sxx
    FROM s JOIN survey_counts c ON c.org_id = org AND c.survey_id = s.id AND c.group_field = ''
      AND c.value IN ('1', '2', '3', '4', '5') AND c.question_key = ANY (s.scale_keys)
    GROUP BY s.id),
  v AS (
    SELECT s.*, st.n, st.sx::numeric / nullif(st.n, 0) AS mean,
           CASE WHEN st.n > 1 THEN sqrt(greatest(st.sxx - st.sx::numeric ^ 2 / st.n, 0) / (st.n - 1)) END AS sd,
           (SELECT zsz_survey_mean(p.id, NULL) FROM surveys p
            WHERE p.org_id = org AND p.kind = s.kind AND p.year < s.year AND p.status = 'closed'
            ORDER BY p.year DESC, p.id DESC LIMIT 1) AS previous_mean
    FROM s LEFT JOIN st ON st.id = s.id)
  SELECT jsonb_build_object(
    'surveys', coalesce(jsonb_agg(jsonb_build_object(
      'id', v.id, 'title', v.title, 'kind', v.kind, 'responses', v.response_count, 'answers', coalesce(v.n, 0),
      'mean', round(v.mean, 3)::text, 'sd', round(v.sd, 3)::text,
      'ci95', CASE WHEN v.sd IS NOT NULL THEN jsonb_build_array(round(v.mean - 1.96 * v.sd / sqrt(v.n), 3)::text,
                                                                round(v.mean + 1.96 * v.sd / sqrt(v.n), 3)::text) END,
      'target_mean', v.target_mean::text, 'previous_mean', v.previous_mean::text,
      'change', round(round(v.mean, 3) - v.previous_mean, 3)::text,
      'below_target', (SELECT coalesce(jsonb_agg(jsonb_build_object('key', k, 'mean', m::text) ORDER BY k), '[]')
                       FROM (SELECT k, zsz_survey_mean(v.id, k) AS m FROM unnest(v.scale_keys) AS k) AS q
                       WHERE q.m < v.target_mean)) ORDER BY v.id), '[]'))
  FROM v
$$;
CREATE FUNCTION zsz_mrp_satisfaction(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_satisfaction_of(r.org_id, zsz_mr_from(r.period), zsz_mr_to(r.period), left(r.period, 4)::integer, r.org_unit_id);

-- (i) objectives of the period's year (approved or closed) with their health and their
-- indicators' attainment; iso27001_only: the information-security ones (the ISMS section).
-- Attainment and health are the objectives register's rules (zsz_attainment, zsz_health, and
-- an objective's health the worst of its indicators', zsz_health_rank, as
-- zsz_objective_health): the staleness zsz_indicator_state adds is not an input here, and
-- leaving it out makes the section ten times cheaper (scripts/bench.sh).
CREATE FUNCTION zsz_mrp_objective_list_of(org bigint, f date, t date, y integer, unit bigint, iso27001_only boolean) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH o AS (
    SELECT o.id, o.org_id, o.code, o.title, o.status, o.outcome
    FROM objectives o
    WHERE o.org_id = org AND o.year = y AND o.status IN ('approved', 'closed')
      AND (NOT iso27001_only OR 'iso27001' = ANY (o.standards))
      AND (unit IS NULL OR o.org_unit_id = unit
           OR o.process_id IN (SELECT p.id FROM processes p WHERE p.org_id = org AND p.org_unit_id = unit))),
  s AS MATERIALIZED (
    SELECT i.objective_id, i.id, i.name, l.period, a.attainment, zsz_health(a.attainment, l.period) AS health
    FROM o JOIN indicators i ON i.org_id = o.org_id AND i.objective_id = o.id
    LEFT JOIN LATERAL (SELECT x.period, x.value FROM indicator_readings x
                       WHERE x.org_id = i.org_id AND x.indicator_id = i.id
                       ORDER BY x.period DESC LIMIT 1) AS l ON true
    CROSS JOIN LATERAL (SELECT zsz_attainment(i, l.value) AS attainment) AS a),
  g AS (
    SELECT s.objective_id, min(zsz_health_rank(s.health)) AS rank,
           jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name, 'attainment', s.attainment::text,
                                        'latest_period', s.period, 'health', s.health) ORDER BY s.id) AS indicators
    FROM s GROUP BY s.objective_id),
  h AS (
    SELECT o.*, coalesce((ARRAY['off_track', 'at_risk', 'no_data', 'on_track', 'achieved'])[g.rank], 'no_data') AS health,
           coalesce(g.indicators, '[]') AS indicators
    FROM o LEFT JOIN g ON g.objective_id = o.id)
  SELECT jsonb_build_object(
    'count', count(*),
    'by_health', coalesce((SELECT jsonb_object_agg(health, n) FROM (SELECT health, count(*) AS n FROM h GROUP BY health) AS c), '{}'),
    'objectives', coalesce(jsonb_agg(jsonb_build_object(
      'id', h.id, 'code', h.code, 'title', h.title, 'status', h.status, 'outcome', h.outcome, 'health', h.health,
      'indicators', h.indicators) ORDER BY h.code), '[]'))
  FROM h
$$;
CREATE FUNCTION zsz_mrp_objective_list(r management_reviews, iso27001_only boolean) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_objective_list_of(r.org_id, zsz_mr_from(r.period), zsz_mr_to(r.period), left(r.period, 4)::integer, r.org_unit_id, iso27001_only);

CREATE FUNCTION zsz_mrp_objectives(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_objective_list(r, false);
CREATE FUNCTION zsz_mrp_isms_objectives(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_objective_list(r, true);

-- (j) improvement opportunities: audit findings that are opportunities for improvement or good
-- practices recorded in the period, and process reviews of the period's year (submitted or
-- accepted) that propose improvement actions.
CREATE FUNCTION zsz_mrp_improvement_of(org bigint, f date, t date, y integer) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_object(
    'findings', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', af.id, 'audit_id', af.audit_id, 'kind', af.kind,
                                                              'clause', af.clause, 'process_id', af.process_id,
                                                              'description', af.description) ORDER BY af.id), '[]')
                 FROM audit_findings af
                 WHERE af.org_id = org AND af.kind IN ('opportunity_for_improvement', 'good_practice')
                   AND af.created_at >= f AND af.created_at < t),
    'process_review_proposals',
      (SELECT coalesce(jsonb_agg(jsonb_build_object('review_id', p.id, 'process_id', p.process_id, 'period', p.period,
                                                    'actions', p.improvement_actions) ORDER BY p.id), '[]')
       FROM process_reviews p
       WHERE p.org_id = org AND left(p.period, 4) = y::text AND p.status IN ('submitted', 'accepted')
         AND jsonb_array_length(p.improvement_actions) > 0));
CREATE FUNCTION zsz_mrp_improvement(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_improvement_of(r.org_id, zsz_mr_from(r.period), zsz_mr_to(r.period), left(r.period, 4)::integer);

-- The inputs a person writes: (b) context, (f) complaints and motions until a complaints
-- register exists, (g) resources, (h) risks and opportunities until the risks register lands.
CREATE FUNCTION zsz_mrp_text(t text) RETURNS jsonb
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN jsonb_build_object('source', 'text', 'text', t);

-- ISMS: incidents detected in the period (dismissed ones aside) by type and severity.
CREATE FUNCTION zsz_mrp_isms_incidents_of(org bigint, f date, t date, y integer, unit bigint) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH i AS (SELECT i.id, i.type, coalesce(i.severity::text, 'unset') AS severity FROM incidents i
             WHERE i.org_id = org AND i.status <> 'dismissed'
               AND i.detected_at >= f AND i.detected_at < t)
  SELECT jsonb_build_object(
    'total', (SELECT count(*) FROM i),
    'by_type', (SELECT coalesce(jsonb_object_agg(type, n), '{}') FROM (SELECT type, count(*) AS n FROM i GROUP BY type) AS g),
    'by_severity', (SELECT coalesce(jsonb_object_agg(severity, n), '{}')
                    FROM (SELECT severity, count(*) AS n FROM i GROUP BY severity) AS g),
    'incident_ids', (SELECT coalesce(jsonb_agg(id ORDER BY id), '[]') FROM i))
$$;
CREATE FUNCTION zsz_mrp_isms_incidents(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_isms_incidents_of(r.org_id, zsz_mr_from(r.period), zsz_mr_to(r.period), left(r.period, 4)::integer, r.org_unit_id);

-- ISMS: personal-data breaches detected in the period with their deadline outcomes (the UODO
-- notification and the data subjects': met, missed, pending, not_applicable) and the reasons
-- given for a late notification.
CREATE FUNCTION zsz_mrp_isms_breaches_of(org bigint, f date, t date, y integer, unit bigint) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  -- the deadlines of each breach once (materialised: inlined, they cost seven times as much)
  WITH i AS MATERIALIZED (
    SELECT i.id, i.number, i.breach, zsz_incident_deadlines(i) AS d FROM incidents i
    WHERE i.org_id = org AND i.type = 'personal_data_breach' AND i.status <> 'dismissed'
      AND i.detected_at >= f AND i.detected_at < t),
  b AS (
    SELECT i.id, i.number, i.breach ->> 'risk_level' AS risk_level, i.breach ->> 'uodo_late_reason' AS late_reason,
           (SELECT x ->> 'state' FROM jsonb_array_elements(i.d) AS x WHERE x ->> 'rule' = 'uodo') AS uodo,
           (SELECT x ->> 'state' FROM jsonb_array_elements(i.d) AS x WHERE x ->> 'rule' = 'subjects') AS subjects
    FROM i)
  SELECT jsonb_build_object(
    'total', count(*),
    'uodo', jsonb_build_object('met', count(*) FILTER (WHERE uodo = 'met'), 'missed', count(*) FILTER (WHERE uodo = 'missed'),
                               'pending', count(*) FILTER (WHERE uodo = 'pending'),
                               'not_applicable', count(*) FILTER (WHERE uodo = 'not_applicable')),
    'breaches', coalesce(jsonb_agg(jsonb_build_object('id', id, 'number', number, 'risk_level', risk_level,
                                                      'uodo', uodo, 'subjects', subjects, 'late_reason', late_reason)
                                   ORDER BY id), '[]'))
  FROM b
$$;
CREATE FUNCTION zsz_mrp_isms_breaches(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_isms_breaches_of(r.org_id, zsz_mr_from(r.period), zsz_mr_to(r.period), left(r.period, 4)::integer, r.org_unit_id);

-- ISMS: cyber incidents detected in the period and their KSC reports to the CSIRT.
CREATE FUNCTION zsz_mrp_isms_ksc_of(org bigint, f date, t date, y integer, unit bigint) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH i AS MATERIALIZED (
    SELECT i.id, i.number, i.ksc, zsz_incident_deadlines(i) AS d FROM incidents i
    WHERE i.org_id = org AND i.type = 'cyber' AND i.status <> 'dismissed'
      AND i.detected_at >= f AND i.detected_at < t),
  k AS (
    SELECT i.id, i.number, i.ksc ->> 'csirt' AS csirt, i.ksc ->> 'csirt_reported_at' AS reported_at,
           (SELECT x ->> 'state' FROM jsonb_array_elements(i.d) AS x WHERE x ->> 'rule' = 'csirt') AS state
    FROM i)
  SELECT jsonb_build_object(
    'total', count(*), 'reported', count(*) FILTER (WHERE reported_at IS NOT NULL),
    'met', count(*) FILTER (WHERE state = 'met'), 'missed', count(*) FILTER (WHERE state = 'missed'),
    'reports', coalesce(jsonb_agg(jsonb_build_object('id', id, 'number', number, 'csirt', csirt,
                                                     'reported_at', reported_at, 'state', state) ORDER BY id), '[]'))
  FROM k
$$;
CREATE FUNCTION zsz_mrp_isms_ksc(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_isms_ksc_of(r.org_id, zsz_mr_from(r.period), zsz_mr_to(r.period), left(r.period, 4)::integer, r.org_unit_id);

-- ISMS: information-security and integrated audits.
CREATE FUNCTION zsz_mrp_isms_audits(r management_reviews) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_mrp_audit_summary(r.org_id, zsz_mr_from(r.period), zsz_mr_to(r.period), left(r.period, 4)::integer,
                               ARRAY['information_security', 'integrated']);

-- ---- the calendar ----------------------------------------------------------------------------
-- The state of a review slot: held (minutes approved by their due date), late (minutes not
-- approved by their due date, or not held by the review's own deadline), missing (no review
-- and its deadline has passed), else due.
CREATE FUNCTION zsz_mr_slot_state(r management_reviews, review_due date) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE
    WHEN r.id IS NULL THEN CASE WHEN review_due < zsz_today() THEN 'missing' ELSE 'due' END
    WHEN r.status = 'minutes_approved' AND NOT zsz_mr_minutes_late(r) THEN 'held'
    WHEN zsz_mr_minutes_late(r) OR (r.held_at IS NULL AND review_due < zsz_today()) THEN 'late'
    ELSE 'due'
  END;

-- What is due in year y, per kind (k, or every kind) and unit (or every unit): the yearly
-- reviews of the previous year, each month's meeting of every unit, and the ad hoc reviews
-- planned in the year; each with its deadlines, its review (the latest not cancelled) and its
-- state.
CREATE FUNCTION zsz_mr_calendar(org bigint, y integer, k text, unit bigint) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH kinds AS (
    SELECT kk AS kind, zsz_mr_rule(org, kk) AS rule
    FROM unnest(ARRAY['steering_committee', 'isms', 'org_unit']) AS kk
    WHERE k IS NULL OR kk = k),
  slots AS (
    SELECT kinds.kind, u.id AS org_unit_id,
           CASE WHEN kinds.rule ->> 'cadence' = 'yearly' THEN (y - 1)::text
                ELSE y || '-' || lpad(m::text, 2, '0') END AS period
    FROM kinds
    CROSS JOIN generate_series(1, 12) AS m
    LEFT JOIN org_units u ON kinds.kind = 'org_unit' AND u.org_id = org AND (unit IS NULL OR u.id = unit)
    WHERE (kinds.rule ->> 'cadence' = 'monthly' OR m = 1) AND (kinds.kind <> 'org_unit' OR u.id IS NOT NULL)
      AND (unit IS NULL OR kinds.kind = 'org_unit')),
  entries AS (
    SELECT s.kind, s.period, s.org_unit_id, false AS ad_hoc, zsz_mr_review_due(org, s.kind, s.period, false) AS review_due, r
    FROM slots s
    LEFT JOIN LATERAL (SELECT r FROM management_reviews r
                       WHERE r.org_id = org AND r.kind = s.kind AND r.period = s.period AND NOT r.ad_hoc
                         AND r.status <> 'cancelled' AND r.org_unit_id IS NOT DISTINCT FROM s.org_unit_id
                       ORDER BY r.id DESC LIMIT 1) AS x ON true
    UNION ALL
    SELECT r.kind, r.period, r.org_unit_id, true, NULL, r
    FROM management_reviews r
    WHERE r.org_id = org AND r.ad_hoc AND r.status <> 'cancelled' AND (k IS NULL OR r.kind = k)
      AND (unit IS NULL OR r.org_unit_id = unit)
      AND r.planned_at >= make_date(y, 1, 1) AND r.planned_at < make_date(y + 1, 1, 1))
  SELECT jsonb_build_object('year', y, 'entries', coalesce(jsonb_agg(jsonb_build_object(
    'kind', e.kind, 'period', e.period, 'org_unit_id', e.org_unit_id,
    'org_unit_code', (SELECT u.code FROM org_units u WHERE u.org_id = org AND u.id = e.org_unit_id),
    'ad_hoc', e.ad_hoc, 'review_due', e.review_due,
    'minutes_due', CASE WHEN (e.r).id IS NOT NULL THEN zsz_mr_minutes_due(e.r)
                        WHEN length(e.period) = 4 THEN zsz_mr_date(y, zsz_mr_rule(org, e.kind) ->> 'minutes_by') END,
    'review_id', (e.r).id, 'status', (e.r).status, 'state', zsz_mr_slot_state(e.r, e.review_due))
    ORDER BY array_position(ARRAY['steering_committee', 'isms', 'org_unit'], e.kind), e.ad_hoc, e.period,
             e.org_unit_id, (e.r).id), '[]'))
  FROM entries e
$$;
