-- Who sees what of an incident (docs/design-incidents.md, "Confidentiality"), as record rules
-- in SQL over the caller's roles (text[], the names, never role bits) and its sub. The server
-- asked a C role test before (role_view in incidents.c); now it passes the roles and renders
-- what these functions decide. zsz_incident_json(i, view) still renders a view.

-- The view a caller with these roles has of the incidents: 'full' (iod, president),
-- 'manager' (plenipotentiary: breach reduced to its risk level, deadlines kept), else
-- 'reporter' (only its own reports, as id, number, title, status, reported_at). The widest
-- applies.
CREATE FUNCTION zsz_incident_role_view(roles text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN roles && ARRAY['iod', 'president']::text[] THEN 'full'
              WHEN 'plenipotentiary' = ANY (roles) THEN 'manager'
              ELSE 'reporter' END;

-- The view the caller (roles, sub) has of incident i, NULL when it may not read it: then the
-- incident is as absent (404, left out of lists) as another organisation's.
CREATE FUNCTION zsz_incident_view(i incidents, roles text[], sub text) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE WHEN zsz_incident_role_view(roles) <> 'reporter' THEN zsz_incident_role_view(roles)
              WHEN i.reporter = sub THEN 'reporter' END;

-- What the caller learns of the report it has just made: the full record for the iod and
-- the president, the reporter view for anyone else (the plenipotentiary included).
CREATE FUNCTION zsz_incident_report_view(roles text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN zsz_incident_role_view(roles) = 'full' THEN 'full' ELSE 'reporter' END;

-- The revision a caller in this view is given as ETag: only the full record names a version
-- worth naming (only the IOD writes); 0 is none.
CREATE FUNCTION zsz_incident_etag(i incidents, view text) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN view = 'full' THEN i.revision ELSE 0 END;

-- The writable members of an incident as a body gives them (sections with every member):
-- what a change merges into and checks as a whole. Not a view: never rendered to a caller.
CREATE FUNCTION zsz_incident_input(i incidents) RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN jsonb_build_object(
    'title', i.title, 'description', i.description, 'type', i.type, 'categories', to_jsonb(i.categories),
    'occurred_at', zsz_ts(i.occurred_at), 'detected_at', zsz_ts(i.detected_at), 'source', i.source,
    'affected_systems', to_jsonb(i.affected_systems), 'affected_org_unit_ids', to_jsonb(i.affected_org_unit_ids),
    'severity', i.severity, 'resolution', i.resolution, 'lessons_learned', i.lessons_learned,
    'evidence', i.evidence,
    'breach', CASE WHEN i.breach IS NOT NULL THEN zsz_breach_template() || i.breach END,
    'ksc', CASE WHEN i.ksc IS NOT NULL THEN zsz_ksc_template() || i.ksc END);
