-- 0038, issue 16: the objectives' report and lists rendered in C (api/registers/objectives/
-- documents.c); what is left of their cost in SQL is the indicators' computed state.
--
-- zsz_period_label (0034's) was declared IMMUTABLE but called to_char, which is STABLE: the
-- planner inlines a SQL function only when its body is no more volatile than declared, so the
-- label went through the SQL-function executor, about 4 us a call, once per indicator in
-- every list, record and report (zsz_last_closed_period, in zsz_indicator_calc): 4 of the
-- 12 ms the 903 indicators of the bench's report spent on their state. The same labels
-- without to_char: the number padded with lpad (immutable) to 2 digits for months, 1 for
-- quarters and halves, none for the year (lpad to 0 characters is ''): the same texts
-- for every k a caller gives, from 0 to the periods of a year (lpad would cut a longer one). k is
-- still named once, so that a caller's expression for k does not stop the inlining. NULL in
-- any argument, or an unknown frequency, still gives NULL. tests/db/test_objective_render.c
-- compares it with 0034's over every frequency, k from 0 to a year's periods, and NULL.
CREATE OR REPLACE FUNCTION zsz_period_label(f text, y integer, k integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN y::text || CASE f WHEN 'monthly' THEN '-' WHEN 'quarterly' THEN '-Q' WHEN 'half_yearly' THEN '-H'
                           WHEN 'yearly' THEN '' END
         || lpad(k::text, CASE f WHEN 'monthly' THEN 2 WHEN 'yearly' THEN 0 ELSE 1 END, '0');
