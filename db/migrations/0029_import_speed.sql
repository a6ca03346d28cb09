-- 0029: bulk imports at the speed issue 10 asks (100,000 rows in under 10 s).
--
-- A process code's category was found by zsz_scheme_category(s, code), which builds the
-- scheme's three regular expressions from its parts for every row it is asked about: on an
-- import of processes that was 150 ms of every 1,000-row batch, twice (the batch's check and
-- its write). The expressions are now a value of their own (zsz_scheme_regexes), which a
-- statement over many codes computes once, and the category of a code under those
-- expressions is zsz_code_category; zsz_scheme_category is the two together, as before.

CREATE FUNCTION zsz_scheme_regexes(s process_schemes) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ARRAY[zsz_scheme_regex(s.management, s.separators, s.digits, s.levels),
               zsz_scheme_regex(s.core, s.separators, s.digits, s.levels),
               zsz_scheme_regex(s.support, s.separators, s.digits, s.levels)];

-- rx: zsz_scheme_regexes of the scheme (management, core, support).
CREATE FUNCTION zsz_code_category(code text, rx text[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN code ~ rx[1] THEN 'management'
              WHEN code ~ rx[2] THEN 'core'
              WHEN code ~ rx[3] THEN 'support' END;

CREATE OR REPLACE FUNCTION zsz_scheme_category(s process_schemes, code text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN zsz_code_category(code, zsz_scheme_regexes(s));

-- An indicator is named by its objective and its name (imports of readings and objectives):
-- found on an index, not by reading every indicator of the objective.
CREATE INDEX indicators_name ON indicators (org_id, objective_id, name, id);

-- The import of objectives logs the objectives and indicators it writes itself, set-based,
-- as 0018 made the other imports do: the row triggers stand aside for this import's rows.
DROP TRIGGER objectives_log ON objectives;
CREATE TRIGGER objectives_log AFTER INSERT OR UPDATE ON objectives
  FOR EACH ROW WHEN (NEW.import_id IS NULL OR NEW.import_id::text IS DISTINCT FROM current_setting('zsz.import_id', true))
  EXECUTE FUNCTION zsz_change_log_append('objective');
DROP TRIGGER indicators_log ON indicators;
CREATE TRIGGER indicators_log AFTER INSERT OR UPDATE ON indicators
  FOR EACH ROW WHEN (NEW.import_id IS NULL OR NEW.import_id::text IS DISTINCT FROM current_setting('zsz.import_id', true))
  EXECUTE FUNCTION zsz_change_log_append('indicator');
