-- Issue 10, the rest of the imports (docs/design-imports.md): objectives and their indicators
-- imported carry the import that wrote them (provenance), as processes, incidents and
-- readings do since 0018. Their change-log entries are written by the row triggers (action
-- import, set by the runner): objectives are a few hundred per hall, not worth a set-based log.

ALTER TABLE objectives ADD COLUMN import_id bigint;
ALTER TABLE objectives ADD FOREIGN KEY (org_id, import_id) REFERENCES imports (org_id, id);
ALTER TABLE indicators ADD COLUMN import_id bigint;
ALTER TABLE indicators ADD FOREIGN KEY (org_id, import_id) REFERENCES imports (org_id, id);

CREATE OR REPLACE FUNCTION zsz_objective_json(o objectives) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', o.id, 'code', o.code, 'year', o.year, 'title', o.title, 'description', o.description,
    'strategy_ref', o.strategy_ref, 'standards', to_json(o.standards), 'process_id', o.process_id,
    'org_unit_id', o.org_unit_id, 'owner', o.owner, 'planned_actions', o.planned_actions,
    'resources', o.resources, 'due_date', o.due_date, 'evaluation_method', o.evaluation_method,
    'status', o.status, 'outcome', o.outcome, 'status_reason', o.status_reason,
    'approved_version', o.approved_version, 'health', zsz_objective_health(o),
    'created_at', zsz_ts(o.created_at), 'updated_at', zsz_ts(o.updated_at),
    'provenance', zsz_provenance(o.import_id));

CREATE OR REPLACE FUNCTION zsz_indicator_json(i indicators) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT json_build_object(
    'id', i.id, 'objective_id', i.objective_id, 'name', i.name, 'unit', i.unit,
    'direction', i.direction, 'baseline', i.baseline::text, 'target', i.target::text,
    'target_min', i.target_min::text, 'target_max', i.target_max::text, 'frequency', i.frequency,
    'source', i.source, 'survey_kind', i.survey_kind, 'survey_question', i.survey_question,
    'responsible', i.responsible,
    'attainment', s -> 'attainment', 'latest_period', s -> 'latest_period', 'latest_value', s -> 'latest_value',
    'stale', s -> 'stale', 'health', s -> 'health',
    'created_at', zsz_ts(i.created_at), 'updated_at', zsz_ts(i.updated_at),
    'provenance', zsz_provenance(i.import_id))
    FROM (SELECT zsz_indicator_state(i) AS s) AS state);
