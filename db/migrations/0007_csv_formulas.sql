-- CSV exports: no cell starts a spreadsheet formula. A text that begins with = + - @, a tab
-- or a carriage return (what Excel and LibreOffice read as a formula or strip) is prefixed
-- with an apostrophe, unless it is a plain number such as -3 or +2,5 (OWASP "CSV injection").
-- Every export builds its cells through this one function.
CREATE FUNCTION zsz_csv_quote(v text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN v ~ '[;"\r\n]' THEN '"' || replace(v, '"', '""') || '"' ELSE v END;

CREATE OR REPLACE FUNCTION zsz_csv(v text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN v IS NULL THEN ''
              ELSE zsz_csv_quote(CASE WHEN v ~ '^[=+@\t\r-]' AND v !~ '^[+-]?[0-9]+([.,][0-9]+)?$'
                                      THEN '''' || v ELSE v END) END;
