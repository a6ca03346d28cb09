-- The change feed (issue 9).
--
-- Audit programmes are register writes like any other, but 0005 gave them no change-log
-- trigger. Entity audit_programme, record_id the year (the table's key within the
-- organisation). Their approved versions (audit_programme_versions) get no entries of their
-- own: a version is inserted only in the statement that approves the programme, never
-- changed afterwards, and holds nothing the log lacks: its snapshot is the programme's
-- objectives, risks and version (the `after` of the programme's transition:approved entry,
-- whose actor and time are approved_by and approved_at) and the year's audits (each with its
-- own audit entries).
CREATE TRIGGER audit_programmes_log AFTER INSERT OR UPDATE ON audit_programmes
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('audit_programme', 'year');

-- Which change-log entries a reader of the feed may see, by the reader's roles (the record
-- rule the feed applied in C before). Incident entries carry whole breach sections and the
-- timeline: only the IOD and the president read those. Every other entity, audit programmes
-- included, is seen by whoever may read the feed at all (the route admits the
-- plenipotentiary and the president).
CREATE FUNCTION zsz_change_visible(entity text, roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN entity NOT IN ('incident', 'incident_timeline') OR roles && ARRAY['iod', 'president'];
