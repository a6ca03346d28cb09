-- 0034, issue 16: objectives read at speed. The rules of 0002 (attainment, health, stale, an
-- objective's health the worst of its indicators') stay what they were; what changes is how
-- they are evaluated.
--
-- Measured on the demo hall plus 300 objectives x 3 indicators x 4 readings (scripts/bench.sh,
-- objectives_reads): the annual report took 6 s, the list of 200 objectives 0.56 s. Nearly all
-- of it went into calling SQL functions that PostgreSQL cannot inline, once per indicator and
-- again for every document that named it: zsz_last_closed_period (a generate_series subquery,
-- ~0.2 ms a call), zsz_indicator_state and zsz_objective_health (scalar functions holding
-- subqueries, ~1 ms a call with what they call), and the STRICT period helpers (a STRICT SQL
-- function whose body is a CASE is never inlined). Now:
--   * the period helpers are plain expressions (NULL in, NULL out, written out: no STRICT),
--     and the last closed period is computed by arithmetic instead of a series (the same
--     answers: tests/api/test_objective_reads.py compares both over every day of three years);
--   * an indicator's state is a set-returning SQL function, zsz_indicator_calc(i, year), that
--     the planner inlines into the statement that reads it: one index probe for the latest
--     reading, one for the last closed period, whatever the number of readings;
--   * an objective's health is zsz_objective_health_of(o), inlined the same way;
--   * the documents take the computed state as arguments (zsz_objective_doc, zsz_indicator_doc),
--     so a list or the report computes each state once; zsz_objective_json and
--     zsz_indicator_json (single records, RETURNING clauses) are those documents over the same
--     functions, so there is one definition of each document and each rule.

-- ---- period helpers: inlinable --------------------------------------------------------------
CREATE OR REPLACE FUNCTION zsz_period_months(p text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
    WHEN p IS NULL THEN NULL
    WHEN length(p) = 4 THEN 12
    WHEN substr(p, 6, 1) = 'Q' THEN 3 * substr(p, 7, 1)::integer
    WHEN substr(p, 6, 1) = 'H' THEN 6 * substr(p, 7, 1)::integer
    ELSE substr(p, 6, 2)::integer
  END;

CREATE OR REPLACE FUNCTION zsz_frequency_months(f text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN f IS NULL THEN NULL
              WHEN f = 'monthly' THEN 1 WHEN f = 'quarterly' THEN 3 WHEN f = 'half_yearly' THEN 6 ELSE 12 END;

-- The label of the k-th period of year y for frequency f (0002's), written so that k is named
-- once: a caller passing an expression for k is still inlined (PostgreSQL does not inline a
-- function that names an expensive argument twice). NULL when any argument is NULL, as the
-- STRICT original.
CREATE OR REPLACE FUNCTION zsz_period_label(f text, y integer, k integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN y::text || CASE f WHEN 'monthly' THEN '-' WHEN 'quarterly' THEN '-Q' WHEN 'half_yearly' THEN '-H'
                           WHEN 'yearly' THEN '' END
         || to_char(k, CASE f WHEN 'monthly' THEN 'FM00' WHEN 'yearly' THEN 'FM""' ELSE 'FM9999999990' END);

-- How many periods of frequency f in year y ended more than 15 days before today: the k-th
-- ends on the first day of month k * months(f) + 1 (counted from January of y), so k * months(f)
-- may be at most the months from January of y to the month of today - 15 days. At most the
-- periods of a year; 0 or less when none.
CREATE FUNCTION zsz_closed_periods(f text, y integer, today date) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN least(12 / zsz_frequency_months(f),
               ((extract(year FROM today - 15)::integer - y) * 12 + extract(month FROM today - 15)::integer - 1)
               / zsz_frequency_months(f));

-- The last period of the objective's year that ended more than 15 days ago, or NULL (0002's
-- definition, by arithmetic).
CREATE OR REPLACE FUNCTION zsz_last_closed_period(frequency text, y integer, today date) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_period_label(frequency, y, nullif(greatest(zsz_closed_periods(frequency, y, today), 0), 0));

-- Health from attainment (0002's rule: achieved at 100; on_track from the share of the year
-- elapsed at the end of the latest period less 10, at_risk from it less 25; off_track below),
-- written so that attainment is named once: the thresholds are ascending (the share is at most
-- 100), and width_bucket tells which of them attainment reaches.
CREATE OR REPLACE FUNCTION zsz_health(attainment numeric, latest_period text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN coalesce((ARRAY['off_track', 'at_risk', 'on_track', 'achieved'])
                    [1 + width_bucket(attainment, ARRAY[zsz_period_months(latest_period) * 100.0 / 12 - 25,
                                                        zsz_period_months(latest_period) * 100.0 / 12 - 10,
                                                        100])],
                  'no_data');

-- ---- computed state, set-based ----------------------------------------------------------------
-- An indicator's computed state in an objective of year y (0002's rules). Inlined into the
-- statement that calls it (LANGUAGE sql, STABLE, one SELECT): used in a LATERAL join it costs
-- two index probes per indicator.
CREATE FUNCTION zsz_indicator_calc(i indicators, y integer)
  RETURNS TABLE (latest_period text, latest_value numeric, attainment numeric, stale boolean, health text)
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT l.period, l.value, a.attainment,
         CASE WHEN c.period IS NULL THEN false
              ELSE NOT EXISTS (SELECT 1 FROM indicator_readings r
                               WHERE r.org_id = i.org_id AND r.indicator_id = i.id AND r.period = c.period) END,
         zsz_health(a.attainment, l.period)
  FROM (SELECT zsz_last_closed_period(i.frequency, y, zsz_today()) AS period) AS c
  LEFT JOIN LATERAL (SELECT r.period, r.value FROM indicator_readings r
                     WHERE r.org_id = i.org_id AND r.indicator_id = i.id
                     ORDER BY r.period DESC LIMIT 1) AS l ON true
  CROSS JOIN LATERAL (SELECT zsz_attainment(i, l.value) AS attainment) AS a;
END;

-- An objective's health: the worst of its indicators' (off_track < at_risk < no_data <
-- on_track < achieved, zsz_health_rank), no_data without indicators: the health of rank
-- min(zsz_health_rank(...)) over its indicators, NULL (none) being no_data.
CREATE FUNCTION zsz_health_of_rank(worst integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN coalesce((ARRAY['off_track', 'at_risk', 'no_data', 'on_track', 'achieved'])[worst], 'no_data');

-- One row; inlined like the above.
CREATE FUNCTION zsz_objective_health_of(o objectives) RETURNS TABLE (health text)
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT zsz_health_of_rank(min(zsz_health_rank(s.health)))
  FROM indicators i CROSS JOIN LATERAL zsz_indicator_calc(i, o.year) AS s
  WHERE i.org_id = o.org_id AND i.objective_id = o.id;
END;

CREATE OR REPLACE FUNCTION zsz_indicator_state(i indicators) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT jsonb_build_object('attainment', s.attainment::text, 'latest_period', s.latest_period,
                                    'latest_value', s.latest_value::text, 'stale', s.stale, 'health', s.health)
          FROM objectives o CROSS JOIN LATERAL zsz_indicator_calc(i, o.year) AS s
          WHERE o.org_id = i.org_id AND o.id = i.objective_id);

CREATE OR REPLACE FUNCTION zsz_objective_health(o objectives) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT h.health FROM zsz_objective_health_of(o) AS h);

-- ---- documents over a computed state ----------------------------------------------------------
-- The objective's document (0022's) with its health given.
CREATE FUNCTION zsz_objective_doc(o objectives, health text) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', o.id, 'code', o.code, 'year', o.year, 'title', o.title, 'description', o.description,
    'strategy_ref', o.strategy_ref, 'standards', to_json(o.standards), 'process_id', o.process_id,
    'org_unit_id', o.org_unit_id, 'owner', o.owner, 'planned_actions', o.planned_actions,
    'resources', o.resources, 'due_date', o.due_date, 'evaluation_method', o.evaluation_method,
    'status', o.status, 'outcome', o.outcome, 'status_reason', o.status_reason,
    'approved_version', o.approved_version, 'health', health,
    'created_at', zsz_ts(o.created_at), 'updated_at', zsz_ts(o.updated_at),
    'provenance', zsz_provenance(o.import_id));

-- The indicator's document (0022's) with its computed state given.
CREATE FUNCTION zsz_indicator_doc(i indicators, latest_period text, latest_value numeric, attainment numeric,
                                  stale boolean, health text) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', i.id, 'objective_id', i.objective_id, 'name', i.name, 'unit', i.unit,
    'direction', i.direction, 'baseline', i.baseline::text, 'target', i.target::text,
    'target_min', i.target_min::text, 'target_max', i.target_max::text, 'frequency', i.frequency,
    'source', i.source, 'survey_kind', i.survey_kind, 'survey_question', i.survey_question,
    'responsible', i.responsible,
    'attainment', attainment::text, 'latest_period', latest_period, 'latest_value', latest_value::text,
    'stale', stale, 'health', health,
    'created_at', zsz_ts(i.created_at), 'updated_at', zsz_ts(i.updated_at),
    'provenance', zsz_provenance(i.import_id));

-- Single records: the same documents. The objective's year is read from the row given (an
-- UPDATE ... RETURNING sees its new year); an indicator's from its objective.
CREATE OR REPLACE FUNCTION zsz_objective_json(o objectives) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT zsz_objective_doc(o, h.health) FROM zsz_objective_health_of(o) AS h);

CREATE OR REPLACE FUNCTION zsz_indicator_json(i indicators) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT zsz_indicator_doc(i, s.latest_period, s.latest_value, s.attainment, s.stale, s.health)
          FROM objectives o CROSS JOIN LATERAL zsz_indicator_calc(i, o.year) AS s
          WHERE o.org_id = i.org_id AND o.id = i.objective_id);

-- ---- nonconformity cards, a page at a time ----------------------------------------------------
-- A card's document (0020's) held its history and actions in subqueries, and the computed
-- overdue in a function with another: none of it can be inlined, so a page of 200 cards ran
-- 600 subqueries through the SQL-function executor (p50 59 ms). The page now joins the history
-- and the actions once per card (LATERAL, on their (org_id, nonconformity_id, id) indexes) and
-- hands them to the document; a single card is the same document over the same parts.

-- An action is overdue when open past its due date (0005's rule, named once).
CREATE FUNCTION zsz_action_overdue(status text, due_date date) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN status = 'open' AND due_date < zsz_today();

-- A card is overdue when not closed or cancelled and one of its actions is overdue (0005's
-- rule): any_action_overdue is bool_or(zsz_action_overdue(...)) over its actions, NULL when
-- it has none.
CREATE FUNCTION zsz_nc_overdue_given(status text, any_action_overdue boolean) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN status NOT IN ('closed', 'cancelled') AND coalesce(any_action_overdue, false);

CREATE OR REPLACE FUNCTION zsz_action_json(a nonconformity_actions) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', a.id, 'nonconformity_id', a.nonconformity_id, 'type', a.type,
                           'description', a.description, 'responsible', a.responsible, 'due_date', a.due_date,
                           'status', a.status, 'done_at', zsz_ts(a.done_at), 'note', a.note,
                           'znak_sprawy', a.znak_sprawy,
                           'overdue', zsz_action_overdue(a.status, a.due_date),
                           'created_at', zsz_ts(a.created_at), 'updated_at', zsz_ts(a.updated_at));

CREATE FUNCTION zsz_nc_history_entry_json(h nonconformity_history) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('at', zsz_ts(h.at), 'from', h.from_status, 'to', h.to_status, 'by', h.by, 'note', h.note);

-- The parts of a card besides its own row: history and actions (json arrays, oldest first) and
-- whether any action is overdue. One row; inlined into the statement that joins it.
CREATE FUNCTION zsz_nc_parts(n nonconformities)
  RETURNS TABLE (history json, actions json, any_action_overdue boolean)
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT coalesce((SELECT json_agg(zsz_nc_history_entry_json(h) ORDER BY h.id) FROM nonconformity_history h
                   WHERE h.org_id = n.org_id AND h.nonconformity_id = n.id), '[]'),
         coalesce(a.list, '[]'), a.any_overdue
  FROM (SELECT json_agg(zsz_action_json(x) ORDER BY x.id) AS list,
               bool_or(zsz_action_overdue(x.status, x.due_date)) AS any_overdue
        FROM nonconformity_actions x WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id) AS a;
END;

CREATE FUNCTION zsz_nonconformity_doc(n nonconformities, history json, actions json, any_action_overdue boolean)
  RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', n.id, 'number', n.number, 'source', n.source, 'source_ref', n.source_ref, 'audit_id', n.audit_id,
    'finding_id', n.finding_id, 'severity', n.severity, 'process_id', n.process_id, 'owner', n.owner,
    'description', n.description, 'correction', n.correction, 'root_cause', n.root_cause, 'status', n.status,
    'status_reason', n.status_reason, 'round', n.round, 'effectiveness', n.effectiveness,
    'znak_sprawy', n.znak_sprawy,
    'history', history, 'actions', actions,
    'days_open', zsz_nc_days_open(n),
    'overdue', zsz_nc_overdue_given(n.status, any_action_overdue),
    'created_at', zsz_ts(n.created_at), 'closed_at', zsz_ts(n.closed_at), 'updated_at', zsz_ts(n.updated_at));

CREATE OR REPLACE FUNCTION zsz_nonconformity_json(n nonconformities) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT zsz_nonconformity_doc(n, p.history, p.actions, p.any_action_overdue) FROM zsz_nc_parts(n) AS p);

-- Whether the caller's roles read every card (0013's first clause of zsz_nc_readable). A list
-- or an export asks it before the row's part of the rule: with the plenipotentiary's or the
-- president's roles the planner folds the test away, instead of calling zsz_nc_readable (not
-- inlinable: it holds subqueries) once per card (100,000 times in an export).
CREATE FUNCTION zsz_nc_reads_all(roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 'plenipotentiary' = ANY (roles) OR 'president' = ANY (roles);

CREATE OR REPLACE FUNCTION zsz_nc_readable(n nonconformities, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_nc_reads_all(roles)
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

-- A card's computed overdue as a one-row function, inlined into an export (zsz_nc_overdue, a
-- scalar function with a subquery, cannot be).
CREATE FUNCTION zsz_nc_overdue_of(n nonconformities) RETURNS TABLE (overdue boolean)
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT zsz_nc_overdue_given(n.status, EXISTS (SELECT 1 FROM nonconformity_actions a
                                                WHERE a.org_id = n.org_id AND a.nonconformity_id = n.id
                                                  AND zsz_action_overdue(a.status, a.due_date)));
END;

CREATE OR REPLACE FUNCTION zsz_nc_overdue(n nonconformities) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT o.overdue FROM zsz_nc_overdue_of(n) AS o);
