-- Internal audits (ISO 9001 9.2, ISO/IEC 27001 9.2): auditor appointments for a year, the
-- yearly programme with approved versions kept, audits with team and report, findings, and
-- nonconformities with corrective actions, effectiveness checks and their full history.

CREATE TABLE auditor_appointments (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id         bigint NOT NULL REFERENCES organisations(id),
  year           integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  auditor        text NOT NULL,
  order_ref      text NOT NULL CHECK (length(order_ref) BETWEEN 1 AND 100),
  qualifications text[] NOT NULL CHECK (qualifications <@ ARRAY['iso9001', 'iso27001', 'iso14001']
                                        AND cardinality(qualifications) >= 1),
  valid_from     date NOT NULL,
  valid_to       date NOT NULL,
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  revoked_reason text CHECK (length(revoked_reason) <= 2000),
  revision       bigint NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_from <= valid_to AND extract(year FROM valid_from) = year AND extract(year FROM valid_to) = year),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, auditor) REFERENCES users (org_id, sub)
);
CREATE INDEX auditor_appointments_year ON auditor_appointments (org_id, year, auditor);

CREATE TABLE audit_programmes (
  org_id           bigint NOT NULL REFERENCES organisations(id),
  year             integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  objectives       text NOT NULL DEFAULT '' CHECK (length(objectives) <= 20000),
  risks_considered text NOT NULL DEFAULT '' CHECK (length(risks_considered) <= 20000),
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
  version          integer NOT NULL DEFAULT 1,
  return_reason    text CHECK (length(return_reason) <= 2000),
  revision         bigint NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, year)
);

CREATE TABLE audit_programme_versions (
  org_id      bigint NOT NULL REFERENCES organisations(id),
  year        integer NOT NULL,
  version     integer NOT NULL,
  snapshot    jsonb NOT NULL,
  approved_by text NOT NULL,
  approved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, year, version),
  FOREIGN KEY (org_id, year) REFERENCES audit_programmes (org_id, year)
);

CREATE TABLE audits (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id             bigint NOT NULL REFERENCES organisations(id),
  code               text NOT NULL CHECK (code ~ '^[A-Za-z0-9._/-]{1,32}$'),
  year               integer NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('quality', 'information_security', 'integrated')),
  scope_process_ids  bigint[] NOT NULL DEFAULT '{}',
  scope_org_unit_ids bigint[] NOT NULL DEFAULT '{}',
  criteria           text[] NOT NULL DEFAULT '{}',
  planned_start      date NOT NULL,
  planned_end        date NOT NULL,
  lead_auditor       text NOT NULL,
  team               text[] NOT NULL,
  auditees           text[] NOT NULL DEFAULT '{}',
  status             text NOT NULL DEFAULT 'planned'
                     CHECK (status IN ('planned', 'in_progress', 'reported', 'closed', 'cancelled')),
  status_reason      text CHECK (length(status_reason) <= 2000),
  report             jsonb,
  reported_at        timestamptz,
  revision           bigint NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (planned_start <= planned_end),
  UNIQUE (org_id, code),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, year) REFERENCES audit_programmes (org_id, year)
);
CREATE INDEX audits_year ON audits (org_id, year, planned_start, code);

CREATE TABLE nonconformity_counters (
  org_id bigint NOT NULL REFERENCES organisations(id),
  year   integer NOT NULL,
  last   integer NOT NULL,
  PRIMARY KEY (org_id, year)
);

CREATE TABLE nonconformities (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id        bigint NOT NULL REFERENCES organisations(id),
  number        text NOT NULL,
  source        text NOT NULL CHECK (source IN ('internal_audit', 'external_audit', 'complaint', 'management_review',
                                               'process_monitoring', 'incident', 'other')),
  source_ref    text NOT NULL DEFAULT '' CHECK (length(source_ref) <= 200),
  audit_id      bigint,
  finding_id    bigint,
  severity      text NOT NULL CHECK (severity IN ('major', 'minor')),
  process_id    bigint NOT NULL,
  owner         text NOT NULL,
  description   text NOT NULL CHECK (length(description) BETWEEN 1 AND 20000),
  correction    text NOT NULL DEFAULT '' CHECK (length(correction) <= 20000),
  root_cause    text NOT NULL DEFAULT '' CHECK (length(root_cause) <= 20000),
  status        text NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'analysis', 'action_plan', 'implementation', 'verification', 'closed',
                                  'cancelled')),
  status_reason text CHECK (length(status_reason) <= 2000),
  round         integer NOT NULL DEFAULT 1,
  effectiveness jsonb,
  revision      bigint NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  closed_at     timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, number),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, process_id) REFERENCES processes (org_id, id),
  FOREIGN KEY (org_id, audit_id) REFERENCES audits (org_id, id)
);
CREATE INDEX nonconformities_process ON nonconformities (org_id, process_id);

CREATE TABLE audit_findings (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id           bigint NOT NULL REFERENCES organisations(id),
  audit_id         bigint NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('major_nonconformity', 'minor_nonconformity', 'observation',
                                                 'opportunity_for_improvement', 'good_practice')),
  clause           text NOT NULL,
  process_id       bigint,
  description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 20000),
  evidence         jsonb NOT NULL DEFAULT '{"text": "", "documents": []}',
  created_by       text NOT NULL,
  nonconformity_id bigint,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, audit_id) REFERENCES audits (org_id, id),
  FOREIGN KEY (org_id, process_id) REFERENCES processes (org_id, id),
  FOREIGN KEY (org_id, nonconformity_id) REFERENCES nonconformities (org_id, id)
);
ALTER TABLE nonconformities ADD FOREIGN KEY (org_id, finding_id) REFERENCES audit_findings (org_id, id);

CREATE TABLE nonconformity_actions (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id           bigint NOT NULL REFERENCES organisations(id),
  nonconformity_id bigint NOT NULL,
  type             text NOT NULL CHECK (type IN ('correction', 'corrective', 'preventive', 'improvement')),
  description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 5000),
  responsible      text NOT NULL,
  due_date         date NOT NULL,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
  done_at          timestamptz,
  note             text NOT NULL DEFAULT '' CHECK (length(note) <= 5000),
  revision         bigint NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  FOREIGN KEY (org_id, nonconformity_id) REFERENCES nonconformities (org_id, id)
);
CREATE INDEX nonconformity_actions_nc ON nonconformity_actions (org_id, nonconformity_id, id);
CREATE INDEX nonconformity_actions_responsible ON nonconformity_actions (org_id, responsible);

-- Every step of a nonconformity, so a failed effectiveness check and the second round both
-- stay visible on the card.
CREATE TABLE nonconformity_history (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id           bigint NOT NULL REFERENCES organisations(id),
  nonconformity_id bigint NOT NULL,
  at               timestamptz NOT NULL DEFAULT now(),
  from_status      text,
  to_status        text NOT NULL,
  by               text NOT NULL,
  note             text NOT NULL DEFAULT '',
  FOREIGN KEY (org_id, nonconformity_id) REFERENCES nonconformities (org_id, id)
);
CREATE INDEX nonconformity_history_nc ON nonconformity_history (org_id, nonconformity_id, id);

CREATE TRIGGER auditor_appointments_log AFTER INSERT OR UPDATE ON auditor_appointments
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('auditor_appointment');
CREATE TRIGGER audits_log AFTER INSERT OR UPDATE ON audits
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('audit');
CREATE TRIGGER audit_findings_log AFTER INSERT OR UPDATE ON audit_findings
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('audit_finding');
CREATE TRIGGER nonconformities_log AFTER INSERT OR UPDATE ON nonconformities
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('nonconformity');
CREATE TRIGGER nonconformity_actions_log AFTER INSERT OR UPDATE ON nonconformity_actions
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('nonconformity_action');

GRANT SELECT, INSERT, UPDATE ON auditor_appointments, audit_programmes, audits, audit_findings,
  nonconformity_counters, nonconformities, nonconformity_actions TO zsz_app;
GRANT SELECT, INSERT ON audit_programme_versions, nonconformity_history TO zsz_app;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['auditor_appointments', 'audit_programmes', 'audit_programme_versions', 'audits',
                           'audit_findings', 'nonconformity_counters', 'nonconformities', 'nonconformity_actions',
                           'nonconformity_history'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant ON %I TO zsz_app USING (org_id = zsz_current_org()) '
                   'WITH CHECK (org_id = zsz_current_org())', t);
  END LOOP;
END
$$;

-- ---- documents -----------------------------------------------------------------------------------
CREATE FUNCTION zsz_appointment_json(a auditor_appointments) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', a.id, 'year', a.year, 'auditor', a.auditor, 'order_ref', a.order_ref,
                           'qualifications', to_json(a.qualifications), 'valid_from', a.valid_from,
                           'valid_to', a.valid_to, 'status', a.status, 'revoked_reason', a.revoked_reason,
                           'created_at', zsz_ts(a.created_at), 'updated_at', zsz_ts(a.updated_at));

CREATE FUNCTION zsz_audit_json(a audits) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', a.id, 'code', a.code, 'year', a.year, 'kind', a.kind,
                           'scope_process_ids', to_json(a.scope_process_ids),
                           'scope_org_unit_ids', to_json(a.scope_org_unit_ids), 'criteria', to_json(a.criteria),
                           'planned_start', a.planned_start, 'planned_end', a.planned_end,
                           'lead_auditor', a.lead_auditor, 'team', to_json(a.team), 'auditees', to_json(a.auditees),
                           'status', a.status, 'status_reason', a.status_reason, 'report', a.report,
                           'reported_at', zsz_ts(a.reported_at), 'created_at', zsz_ts(a.created_at),
                           'updated_at', zsz_ts(a.updated_at));

-- The audits of a programme, as listed in it and in its approved snapshots.
CREATE FUNCTION zsz_programme_audits(org bigint, y integer) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce((SELECT jsonb_agg(jsonb_build_object('id', a.id, 'code', a.code, 'kind', a.kind,
                                                       'status', a.status, 'planned_start', a.planned_start,
                                                       'planned_end', a.planned_end, 'lead_auditor', a.lead_auditor)
                                    ORDER BY a.planned_start, a.code)
                   FROM audits a WHERE a.org_id = org AND a.year = y), '[]');

CREATE FUNCTION zsz_programme_json(p audit_programmes) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'year', p.year, 'objectives', p.objectives, 'risks_considered', p.risks_considered, 'status', p.status,
    'version', p.version, 'return_reason', p.return_reason,
    'approved_versions', coalesce((SELECT json_agg(json_build_object('version', v.version, 'approved_by', v.approved_by,
                                                                     'approved_at', zsz_ts(v.approved_at)) ORDER BY v.version)
                                   FROM audit_programme_versions v WHERE v.org_id = p.org_id AND v.year = p.year), '[]'),
    'audits', zsz_programme_audits(p.org_id, p.year),
    'created_at', zsz_ts(p.created_at), 'updated_at', zsz_ts(p.updated_at));

CREATE FUNCTION zsz_finding_json(f audit_findings) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', f.id, 'audit_id', f.audit_id, 'kind', f.kind, 'clause', f.clause,
                           'process_id', f.process_id, 'description', f.description, 'evidence', f.evidence,
                           'created_by', f.created_by, 'nonconformity_id', f.nonconformity_id,
                           'created_at', zsz_ts(f.created_at));

CREATE FUNCTION zsz_action_json(a nonconformity_actions) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', a.id, 'nonconformity_id', a.nonconformity_id, 'type', a.type,
                           'description', a.description, 'responsible', a.responsible, 'due_date', a.due_date,
                           'status', a.status, 'done_at', zsz_ts(a.done_at), 'note', a.note,
                           'overdue', a.status = 'open' AND a.due_date < zsz_today(),
                           'created_at', zsz_ts(a.created_at), 'updated_at', zsz_ts(a.updated_at));

CREATE FUNCTION zsz_nc_overdue(n nonconformities) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN n.status NOT IN ('closed', 'cancelled')
         AND EXISTS (SELECT 1 FROM nonconformity_actions a WHERE a.org_id = n.org_id AND a.nonconformity_id = n.id
                     AND a.status = 'open' AND a.due_date < zsz_today());

-- Whole days from opening to closing; a cancelled card stops counting when it was cancelled
-- (nothing changes a cancelled card afterwards, so updated_at is that moment).
CREATE FUNCTION zsz_nc_days_open(n nonconformities) RETURNS integer
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (coalesce(n.closed_at, CASE WHEN n.status = 'cancelled' THEN n.updated_at END, now()) AT TIME ZONE 'UTC')::date
         - (n.created_at AT TIME ZONE 'UTC')::date;

CREATE FUNCTION zsz_nonconformity_json(n nonconformities) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', n.id, 'number', n.number, 'source', n.source, 'source_ref', n.source_ref, 'audit_id', n.audit_id,
    'finding_id', n.finding_id, 'severity', n.severity, 'process_id', n.process_id, 'owner', n.owner,
    'description', n.description, 'correction', n.correction, 'root_cause', n.root_cause, 'status', n.status,
    'status_reason', n.status_reason, 'round', n.round, 'effectiveness', n.effectiveness,
    'history', coalesce((SELECT json_agg(json_build_object('at', zsz_ts(h.at), 'from', h.from_status, 'to', h.to_status,
                                                           'by', h.by, 'note', h.note) ORDER BY h.id)
                         FROM nonconformity_history h WHERE h.org_id = n.org_id AND h.nonconformity_id = n.id), '[]'),
    'actions', coalesce((SELECT json_agg(zsz_action_json(a) ORDER BY a.id) FROM nonconformity_actions a
                         WHERE a.org_id = n.org_id AND a.nonconformity_id = n.id), '[]'),
    'days_open', zsz_nc_days_open(n),
    'overdue', zsz_nc_overdue(n),
    'created_at', zsz_ts(n.created_at), 'closed_at', zsz_ts(n.closed_at), 'updated_at', zsz_ts(n.updated_at));

-- Who may read a nonconformity: the visibility rules of docs/design-audits.md for the caller
-- sub with a role mask (bits as in api/auth.h: 1 president, 2 plenipotentiary, 4 process
-- owner, 8 iod, 16 auditor).
CREATE FUNCTION zsz_nc_readable(n nonconformities, sub text, roles integer) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (roles & 3) <> 0
      OR ((roles & 4) <> 0 AND (n.owner = sub OR EXISTS (SELECT 1 FROM processes p WHERE p.org_id = n.org_id
                                                           AND p.id = n.process_id AND p.owner = sub)))
      OR ((roles & 16) <> 0 AND EXISTS (SELECT 1 FROM audits a WHERE a.org_id = n.org_id AND a.id = n.audit_id
                                          AND sub = ANY (a.team)))
      OR ((roles & 8) <> 0 AND (n.source = 'incident' OR EXISTS (SELECT 1 FROM audits a WHERE a.org_id = n.org_id
                                  AND a.id = n.audit_id AND a.kind IN ('information_security', 'integrated'))))
      OR EXISTS (SELECT 1 FROM nonconformity_actions x WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id
                   AND x.responsible = sub);

-- Who may read an audit.
CREATE FUNCTION zsz_audit_readable(a audits, sub text, roles integer) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (roles & 3) <> 0
      OR ((roles & 8) <> 0 AND a.kind IN ('information_security', 'integrated'))
      OR ((roles & 16) <> 0 AND sub = ANY (a.team))
      OR ((roles & 4) <> 0 AND EXISTS (SELECT 1 FROM processes p WHERE p.org_id = a.org_id
                                         AND p.id = ANY (a.scope_process_ids) AND p.owner = sub));
