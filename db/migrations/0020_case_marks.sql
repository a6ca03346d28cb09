-- EZD case marks (znak sprawy, issue 10): the grammar of api/lib/case_mark.h in SQL, the
-- organisation's setting (strict: a malformed mark is 422; lenient: kept as text without
-- parts), one table indexing every mark a record cites, kept by triggers on each citing
-- table, nonconformities and their actions citing a case, and the record rule of
-- GET /api/v1/case-references (docs/design-case-marks.md).

ALTER TABLE organisations
  ADD COLUMN case_marks text NOT NULL DEFAULT 'strict' CHECK (case_marks IN ('strict', 'lenient'));

-- ---- the grammar ------------------------------------------------------------------------------

-- The parts of case mark m, all NULL when m is no case mark. The same grammar as
-- case_mark_parse() in api/lib/case_mark.c (the server checks marks with that one; this one
-- fills the index from stored rows); tests/db/test_case_marks.c runs both over the same
-- examples. case_key names the case without the handler's initials: unit.jrwa[.folder].number.year.
-- plpgsql, not sql: a SQL function called from the trigger is planned again on every call
-- (milliseconds), and a regular expression with captures costs PostgreSQL a quarter of a
-- millisecond where one that only answers yes or no costs microseconds.
CREATE FUNCTION zsz_case_mark_parts(m text, OUT case_key text, OUT unit text, OUT jrwa text, OUT folder text,
                                    OUT number integer, OUT year integer)
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  p text[];
  k integer;
  j integer;
BEGIN
  -- the whole grammar, as one test without captures (PostgreSQL's regular expressions are
  -- fast when they only answer yes or no); the parts then stand at fixed places from the right
  IF m IS NULL OR octet_length(m) > 100 OR m !~
       ('^[A-Za-zĄĆĘŁŃÓŚŹŻąćęłńóśźż][A-Za-z0-9ĄĆĘŁŃÓŚŹŻąćęłńóśźż]*(-[A-Za-z0-9ĄĆĘŁŃÓŚŹŻąćęłńóśźż]+)*'
        '(\.[A-Za-zĄĆĘŁŃÓŚŹŻąćęłńóśźż][A-Za-z0-9ĄĆĘŁŃÓŚŹŻąćęłńóśźż]*(-[A-Za-z0-9ĄĆĘŁŃÓŚŹŻąćęłńóśźż]+)*)*'
        '\.[0-9]{1,4}(\.[0-9]{1,4})?\.[1-9][0-9]{0,6}\.[0-9]{4}(\.[A-Za-zĄĆĘŁŃÓŚŹŻąćęłńóśźż]{1,10})?$') THEN
    RETURN;
  END IF;
  p := string_to_array(m, '.');
  k := array_length(p, 1);
  IF p[k] !~ '^[0-9]+$' THEN
    k := k - 1; -- the handler's initials
  END IF;
  IF p[k]::integer NOT BETWEEN 1950 AND 2099 THEN
    RETURN;
  END IF;
  j := CASE WHEN p[k - 3] ~ '^[0-9]+$' THEN k - 3 ELSE k - 2 END; -- the class: before a sub-folder?
  unit := array_to_string(p[1:j - 1], '.');
  jrwa := p[j];
  folder := CASE WHEN j = k - 3 THEN p[k - 2] END;
  number := p[k - 1]::integer;
  year := p[k]::integer;
  case_key := unit || '.' || jrwa || coalesce('.' || folder, '') || '.' || number || '.' || year;
END $$;

-- ---- the index --------------------------------------------------------------------------------

-- One row per case mark a record cites: which record (entity as in the change log, its id),
-- where in it (field, named as a request body names it, e.g. evidence[1].znak_sprawy), the
-- mark as given, and its parts (NULL when it does not parse: stored under the lenient setting,
-- or before this migration).
CREATE TABLE case_references (
  org_id      bigint NOT NULL REFERENCES organisations(id),
  entity      text NOT NULL,
  record_id   bigint NOT NULL,
  field       text NOT NULL,
  znak_sprawy text NOT NULL,
  case_key    text,
  unit        text,
  jrwa        text,
  folder      text,
  number      integer,
  year        integer,
  PRIMARY KEY (org_id, entity, record_id, field)
);
CREATE INDEX case_references_case ON case_references (org_id, case_key);
CREATE INDEX case_references_mark ON case_references (org_id, znak_sprawy);
CREATE INDEX case_references_class ON case_references (org_id, jrwa, year);
CREATE INDEX case_references_unit ON case_references (org_id, unit, year);

-- The index is derived data, rewritten by the trigger below: zsz_app may delete its rows.
GRANT SELECT, INSERT, DELETE ON case_references TO zsz_app;
ALTER TABLE case_references ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON case_references TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());

-- The (field, mark) pairs found in doc along path: names joined by '.', a name ending in []
-- is an array whose items the rest of the path applies to; e.g. 'evidence[].znak_sprawy'
-- gives ('evidence[0].znak_sprawy', ...), 'evidence.documents[].znak_sprawy' the documents
-- of an object, 'znak_sprawy' a column. Empty strings and non-strings cite nothing.
CREATE FUNCTION zsz_case_marks_at(doc jsonb, path text, prefix text DEFAULT '')
  RETURNS TABLE (field text, mark text)
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
  head text := split_part(path, '.', 1);
  rest text := substr(path, length(head) + 2);
  key text := regexp_replace(head, '\[\]$', '');
  here text := prefix || CASE WHEN prefix = '' THEN '' ELSE '.' END || key;
  v jsonb := doc -> key;
BEGIN
  IF jsonb_typeof(doc) IS DISTINCT FROM 'object' OR v IS NULL THEN
    RETURN;
  ELSIF head LIKE '%[]' THEN
    IF jsonb_typeof(v) = 'array' THEN
      FOR i IN 0 .. jsonb_array_length(v) - 1 LOOP
        RETURN QUERY SELECT * FROM zsz_case_marks_at(v -> i, rest, here || '[' || i || ']');
      END LOOP;
    END IF;
  ELSIF rest <> '' THEN
    RETURN QUERY SELECT * FROM zsz_case_marks_at(v, rest, here);
  ELSIF jsonb_typeof(v) = 'string' AND v #>> '{}' <> '' THEN
    field := here;
    mark := v #>> '{}';
    RETURN NEXT;
  END IF;
END $$;

-- The trigger every citing table carries, AFTER INSERT and AFTER UPDATE OF the citing column,
-- FOR EACH ROW: its arguments are the entity and the paths of its marks; the table needs
-- org_id and id. An update replaces the record's rows. (The DELETE runs only on update: a
-- plan cached while the table was small would scan it whole, and an import only inserts.)
CREATE FUNCTION zsz_case_refs_sync() RETURNS trigger
  LANGUAGE plpgsql
AS $$
DECLARE
  doc jsonb := to_jsonb(NEW);
  path text;
  m record;
  p record;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM case_references r WHERE r.org_id = NEW.org_id AND r.entity = TG_ARGV[0] AND r.record_id = NEW.id;
  END IF;
  FOREACH path IN ARRAY TG_ARGV[1:] LOOP
    FOR m IN SELECT * FROM zsz_case_marks_at(doc, path) LOOP
      p := zsz_case_mark_parts(m.mark);
      INSERT INTO case_references (org_id, entity, record_id, field, znak_sprawy, case_key, unit, jrwa, folder,
                                   number, year)
      VALUES (NEW.org_id, TG_ARGV[0], NEW.id, m.field, m.mark, p.case_key, p.unit, p.jrwa, p.folder, p.number,
              p.year);
    END LOOP;
  END LOOP;
  RETURN NULL;
END $$;

-- ---- nonconformities and their actions cite a case --------------------------------------------

ALTER TABLE nonconformities
  ADD COLUMN znak_sprawy text NOT NULL DEFAULT '' CHECK (length(znak_sprawy) <= 100);
ALTER TABLE nonconformity_actions
  ADD COLUMN znak_sprawy text NOT NULL DEFAULT '' CHECK (length(znak_sprawy) <= 100);

-- The documents as before, with the card's and the action's znak_sprawy ('' when none).
CREATE OR REPLACE FUNCTION zsz_action_json(a nonconformity_actions) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', a.id, 'nonconformity_id', a.nonconformity_id, 'type', a.type,
                           'description', a.description, 'responsible', a.responsible, 'due_date', a.due_date,
                           'status', a.status, 'done_at', zsz_ts(a.done_at), 'note', a.note,
                           'znak_sprawy', a.znak_sprawy,
                           'overdue', a.status = 'open' AND a.due_date < zsz_today(),
                           'created_at', zsz_ts(a.created_at), 'updated_at', zsz_ts(a.updated_at));

CREATE OR REPLACE FUNCTION zsz_nonconformity_json(n nonconformities) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object(
    'id', n.id, 'number', n.number, 'source', n.source, 'source_ref', n.source_ref, 'audit_id', n.audit_id,
    'finding_id', n.finding_id, 'severity', n.severity, 'process_id', n.process_id, 'owner', n.owner,
    'description', n.description, 'correction', n.correction, 'root_cause', n.root_cause, 'status', n.status,
    'status_reason', n.status_reason, 'round', n.round, 'effectiveness', n.effectiveness,
    'znak_sprawy', n.znak_sprawy,
    'history', coalesce((SELECT json_agg(json_build_object('at', zsz_ts(h.at), 'from', h.from_status, 'to', h.to_status,
                                                           'by', h.by, 'note', h.note) ORDER BY h.id)
                         FROM nonconformity_history h WHERE h.org_id = n.org_id AND h.nonconformity_id = n.id), '[]'),
    'actions', coalesce((SELECT json_agg(zsz_action_json(a) ORDER BY a.id) FROM nonconformity_actions a
                         WHERE a.org_id = n.org_id AND a.nonconformity_id = n.id), '[]'),
    'days_open', zsz_nc_days_open(n),
    'overdue', zsz_nc_overdue(n),
    'created_at', zsz_ts(n.created_at), 'closed_at', zsz_ts(n.closed_at), 'updated_at', zsz_ts(n.updated_at));

-- ---- the citing tables ----------------------------------------------------------------------
-- A register that cites cases joins in here with two triggers (and one branch of each function
-- below); the WHEN clauses keep rows that cite nothing, and updates that leave the marks as
-- they were, from calling the function at all. E.g. risks:
--   CREATE TRIGGER risks_case_refs AFTER INSERT ON risks FOR EACH ROW WHEN (NEW.znak_sprawy <> '')
--     EXECUTE FUNCTION zsz_case_refs_sync('risk', 'znak_sprawy');
--   CREATE TRIGGER risks_case_refs_update AFTER UPDATE OF znak_sprawy ON risks FOR EACH ROW
--     WHEN (OLD.znak_sprawy IS DISTINCT FROM NEW.znak_sprawy) EXECUTE FUNCTION zsz_case_refs_sync('risk', 'znak_sprawy');

CREATE TRIGGER incidents_case_refs AFTER INSERT ON incidents FOR EACH ROW
  WHEN (NEW.evidence <> '[]') EXECUTE FUNCTION zsz_case_refs_sync('incident', 'evidence[].znak_sprawy');
CREATE TRIGGER incidents_case_refs_update AFTER UPDATE OF evidence ON incidents FOR EACH ROW
  WHEN (OLD.evidence IS DISTINCT FROM NEW.evidence)
  EXECUTE FUNCTION zsz_case_refs_sync('incident', 'evidence[].znak_sprawy');
CREATE TRIGGER audit_findings_case_refs AFTER INSERT ON audit_findings FOR EACH ROW
  WHEN (NEW.evidence -> 'documents' <> '[]')
  EXECUTE FUNCTION zsz_case_refs_sync('audit_finding', 'evidence.documents[].znak_sprawy');
CREATE TRIGGER audit_findings_case_refs_update AFTER UPDATE OF evidence ON audit_findings FOR EACH ROW
  WHEN (OLD.evidence IS DISTINCT FROM NEW.evidence)
  EXECUTE FUNCTION zsz_case_refs_sync('audit_finding', 'evidence.documents[].znak_sprawy');
CREATE TRIGGER nonconformities_case_refs AFTER INSERT ON nonconformities FOR EACH ROW
  WHEN (NEW.znak_sprawy <> '') EXECUTE FUNCTION zsz_case_refs_sync('nonconformity', 'znak_sprawy');
CREATE TRIGGER nonconformities_case_refs_update AFTER UPDATE OF znak_sprawy ON nonconformities FOR EACH ROW
  WHEN (OLD.znak_sprawy IS DISTINCT FROM NEW.znak_sprawy)
  EXECUTE FUNCTION zsz_case_refs_sync('nonconformity', 'znak_sprawy');
CREATE TRIGGER nonconformity_actions_case_refs AFTER INSERT ON nonconformity_actions FOR EACH ROW
  WHEN (NEW.znak_sprawy <> '') EXECUTE FUNCTION zsz_case_refs_sync('nonconformity_action', 'znak_sprawy');
CREATE TRIGGER nonconformity_actions_case_refs_update AFTER UPDATE OF znak_sprawy ON nonconformity_actions
  FOR EACH ROW WHEN (OLD.znak_sprawy IS DISTINCT FROM NEW.znak_sprawy)
  EXECUTE FUNCTION zsz_case_refs_sync('nonconformity_action', 'znak_sprawy');

CREATE TRIGGER management_reviews_case_refs AFTER INSERT ON management_reviews FOR EACH ROW
  WHEN (NEW.znak_sprawy <> '') EXECUTE FUNCTION zsz_case_refs_sync('management_review', 'znak_sprawy');
CREATE TRIGGER management_reviews_case_refs_update AFTER UPDATE OF znak_sprawy ON management_reviews
  FOR EACH ROW WHEN (OLD.znak_sprawy IS DISTINCT FROM NEW.znak_sprawy)
  EXECUTE FUNCTION zsz_case_refs_sync('management_review', 'znak_sprawy');

-- Rebuilds the whole index from the citing tables, found by their triggers (every table with
-- a zsz_case_refs_sync trigger, with that trigger's arguments): what this migration does for
-- what was stored before it, and what an operator runs after changing citing rows with the
-- triggers disabled. Marks that do not parse keep their text and no parts. Returns the rows
-- indexed. As the schema owner (zsz_app would see one organisation's rows).
CREATE FUNCTION zsz_case_refs_rebuild() RETURNS bigint
  LANGUAGE plpgsql
AS $$
DECLARE
  t record;
  n bigint;
  total bigint := 0;
BEGIN
  DELETE FROM case_references;
  FOR t IN SELECT DISTINCT tg.tgrelid::regclass AS tab,
                  array_remove(string_to_array(encode(tg.tgargs, 'escape'), '\000'), '') AS args
             FROM pg_trigger tg JOIN pg_proc f ON f.oid = tg.tgfoid
            WHERE f.proname = 'zsz_case_refs_sync' AND NOT tg.tgisinternal LOOP
    EXECUTE format('INSERT INTO case_references (org_id, entity, record_id, field, znak_sprawy, case_key, unit, '
                   'jrwa, folder, number, year) '
                   'SELECT x.org_id, $1, x.id, m.field, m.mark, p.case_key, p.unit, p.jrwa, p.folder, p.number, '
                   'p.year FROM %s x, unnest($2::text[]) AS path, zsz_case_marks_at(to_jsonb(x), path) AS m, '
                   'zsz_case_mark_parts(m.mark) AS p', t.tab)
      USING t.args[1], t.args[2:];
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
  END LOOP;
  RETURN total;
END $$;

-- What is stored already: every mark indexed, with its parts when it parses.
SELECT zsz_case_refs_rebuild();

-- ---- reading the index ------------------------------------------------------------------------

-- Who may see that record r cites a case: whoever may read the citing part of the record,
-- by its register's own rule. An incident's evidence is in the IOD's and the president's full
-- view and the plenipotentiary's, not in a reporter's; a finding is read with its audit; a
-- card and its actions with the card. A register that joins in adds its branch here.
CREATE FUNCTION zsz_case_ref_readable(r case_references, sub text, roles text[]) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE r.entity
    WHEN 'incident' THEN EXISTS (SELECT 1 FROM incidents i WHERE i.org_id = r.org_id AND i.id = r.record_id
                                   AND zsz_incident_view(i, roles, sub) IN ('full', 'manager'))
    WHEN 'audit_finding' THEN EXISTS (SELECT 1 FROM audit_findings f JOIN audits a ON a.org_id = f.org_id
                                        AND a.id = f.audit_id
                                        WHERE f.org_id = r.org_id AND f.id = r.record_id
                                          AND zsz_audit_readable(a, sub, roles))
    WHEN 'nonconformity' THEN EXISTS (SELECT 1 FROM nonconformities n WHERE n.org_id = r.org_id
                                        AND n.id = r.record_id AND zsz_nc_readable(n, sub, roles))
    WHEN 'nonconformity_action' THEN EXISTS (SELECT 1 FROM nonconformity_actions x JOIN nonconformities n
                                               ON n.org_id = x.org_id AND n.id = x.nonconformity_id
                                               WHERE x.org_id = r.org_id AND x.id = r.record_id
                                                 AND zsz_nc_readable(n, sub, roles))
    WHEN 'management_review' THEN EXISTS (SELECT 1 FROM management_reviews m WHERE m.org_id = r.org_id
                                            AND m.id = r.record_id AND zsz_mr_readable(m, sub, roles, ''))
    ELSE false END;

-- The record's address in the API (the register's GET).
CREATE FUNCTION zsz_case_ref_href(r case_references) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE r.entity
    WHEN 'incident' THEN '/api/v1/incidents/' || r.record_id
    WHEN 'audit_finding' THEN (SELECT '/api/v1/audits/' || f.audit_id || '/findings/' || f.id FROM audit_findings f
                                WHERE f.org_id = r.org_id AND f.id = r.record_id)
    WHEN 'nonconformity' THEN '/api/v1/nonconformities/' || r.record_id
    WHEN 'nonconformity_action' THEN (SELECT '/api/v1/nonconformities/' || x.nonconformity_id || '/actions/' || x.id
                                       FROM nonconformity_actions x WHERE x.org_id = r.org_id AND x.id = r.record_id)
    WHEN 'management_review' THEN '/api/v1/management-reviews/' || r.record_id
    END;

-- One item of GET /api/v1/case-references.
CREATE FUNCTION zsz_case_ref_json(r case_references) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('entity', r.entity, 'record_id', r.record_id, 'href', zsz_case_ref_href(r),
                           'field', r.field, 'znak_sprawy', r.znak_sprawy,
                           'case', CASE WHEN r.case_key IS NOT NULL THEN
                             json_build_object('key', r.case_key, 'unit', r.unit, 'jrwa', r.jrwa,
                                               'folder', r.folder, 'number', r.number, 'year', r.year) END);
