-- Demo surveys for krakow: last year's and this year's survey of external customers (a few
-- hundred responses each; Wydział Finansów i Budżetu below the 4.0 target), and an employee
-- survey in which a team of three is merged into "other". Idempotent: fixed public ids, and
-- responses only into a survey that has none.
BEGIN;
SET LOCAL zsz.actor = 'seed';
SET LOCAL zsz.action = 'seed';

-- A repeatable 1..5 score: mostly 4 and 5, lower for a weaker unit, slightly better this year.
CREATE OR REPLACE FUNCTION pg_temp.zsz_demo_score(survey bigint, n integer, q integer, weak boolean, this_year boolean)
  RETURNS integer LANGUAGE sql IMMUTABLE
  RETURN (SELECT CASE WHEN h < (CASE WHEN weak THEN 15 ELSE 4 END) THEN 2
                      WHEN h < (CASE WHEN weak THEN 50 ELSE 18 END) - (CASE WHEN this_year THEN 3 ELSE 0 END) THEN 3
                      WHEN h < (CASE WHEN weak THEN 85 ELSE 55 END) THEN 4 ELSE 5 END
          FROM (SELECT abs(hashtext(survey || '-' || n || '-' || q)) % 100 AS h) AS x);

DO $$
DECLARE
  org bigint := (SELECT id FROM organisations WHERE code = 'krakow');
  y integer := extract(year FROM zsz_today())::integer;
  customer_questions jsonb := '[
    {"key": "ogolna", "text": "Jak ogólnie ocenia Pan/Pani obsługę w urzędzie?", "type": "scale_1_5", "required": true},
    {"key": "czas", "text": "Czas załatwienia sprawy", "type": "scale_1_5", "allow_dont_know": true},
    {"key": "uprzejmosc", "text": "Uprzejmość pracowników", "type": "scale_1_5"},
    {"key": "kanal", "text": "Jak załatwiał(a) Pan/Pani sprawę?", "type": "single_choice",
     "options": [{"key": "urzad", "text": "W urzędzie"}, {"key": "telefon", "text": "Telefonicznie"},
                 {"key": "epuap", "text": "Przez ePUAP"}]},
    {"key": "uwagi", "text": "Uwagi", "type": "text", "max_length": 2000}]';
  customer_fields jsonb := '[{"key": "wydzial", "text": "Wydział, w którym załatwiano sprawę", "type": "org_unit"}]';
  employee_questions jsonb := '[
    {"key": "atmosfera", "text": "Atmosfera w zespole", "type": "scale_1_5", "required": true},
    {"key": "rozwoj", "text": "Możliwości rozwoju", "type": "scale_1_5"}]';
  employee_fields jsonb := '[{"key": "zespol", "text": "Zespół", "type": "choice",
    "options": [{"key": "obsluga", "text": "Obsługa klienta"}, {"key": "ksiegowosc", "text": "Księgowość"},
                {"key": "it", "text": "Informatyka"}]}]';
  s record;
BEGIN
  IF org IS NULL THEN RETURN; END IF;
  INSERT INTO surveys (org_id, title, kind, year, process_ids, questions, respondent_fields, opens_at, closes_at,
                       min_group_size, status, public_id)
  VALUES
    (org, 'Badanie satysfakcji klientów ' || (y - 1), 'external_customers', y - 1,
     ARRAY(SELECT id FROM processes WHERE org_id = org AND code IN ('GR 3', 'GR 4')), customer_questions,
     customer_fields, make_date(y - 1, 5, 1), make_date(y - 1, 6, 30), 5, 'closed', 'demoKrakowKlienci' || (y - 1) || 'A'),
    (org, 'Badanie satysfakcji klientów ' || y, 'external_customers', y,
     ARRAY(SELECT id FROM processes WHERE org_id = org AND code IN ('GR 3', 'GR 4')), customer_questions,
     customer_fields, make_date(y, 5, 1), make_date(y, 6, 30), 5, 'closed', 'demoKrakowKlienci' || y || 'A'),
    (org, 'Badanie opinii pracowników ' || y, 'employees', y, '{}', employee_questions, employee_fields,
     make_date(y, 3, 1), make_date(y, 3, 31), 5, 'closed', 'demoKrakowPracown' || y || 'A')
  ON CONFLICT (org_id, public_id) DO NOTHING;
  INSERT INTO survey_public_ids (public_id, org_id, survey_id)
  SELECT public_id, org_id, id FROM surveys WHERE org_id = org AND public_id LIKE 'demoKrakow%'
  ON CONFLICT DO NOTHING;

  FOR s IN SELECT * FROM surveys WHERE org_id = org AND public_id LIKE 'demoKrakow%' AND response_count = 0 LOOP
    IF s.kind = 'external_customers' THEN
      -- 320 responses; answers from a fixed hash, so every load gives the same results.
      -- FN lies lower (about 3.4); this year is a little better than last year.
      PERFORM zsz_survey_add(org, s.id, (
        SELECT jsonb_agg(jsonb_build_object('answers', a, 'respondent', jsonb_build_object('wydzial', unit),
                                            'tally', t))
        FROM (
          SELECT n, unit,
                 jsonb_build_object('ogolna', v1, 'czas', v2, 'uprzejmosc', v3, 'kanal', ch)
                   || CASE WHEN n % 9 = 0 THEN jsonb_build_object('uwagi', 'Prosimy o dłuższe godziny pracy.') ELSE '{}' END AS a,
                 jsonb_build_array(jsonb_build_array('ogolna', v1::text), jsonb_build_array('czas', v2::text),
                                   jsonb_build_array('uprzejmosc', v3::text), jsonb_build_array('kanal', ch),
                                   jsonb_build_array('@wydzial', unit))
                   || CASE WHEN n % 9 = 0 THEN jsonb_build_array(jsonb_build_array('uwagi', '__n')) ELSE '[]' END AS t
          FROM (
            SELECT n, unit,
                   pg_temp.zsz_demo_score(s.id, n, 1, unit = 'FN', s.year = y) AS v1,
                   pg_temp.zsz_demo_score(s.id, n, 2, unit = 'FN', s.year = y) AS v2,
                   pg_temp.zsz_demo_score(s.id, n, 3, unit = 'FN', s.year = y) AS v3,
                   (ARRAY['urzad', 'telefon', 'epuap'])[1 + n % 3] AS ch
            FROM generate_series(1, 320) AS n,
                 LATERAL (SELECT (ARRAY['WOU', 'KS', 'FN', 'OR'])[1 + n % 4] AS unit) AS u
          ) AS x
        ) AS r));
    ELSE
      -- 43 employees: 20 in customer service, 20 in accounting, 3 in IT (merged into "other")
      PERFORM zsz_survey_add(org, s.id, (
        SELECT jsonb_agg(jsonb_build_object('answers', jsonb_build_object('atmosfera', v1, 'rozwoj', v2),
                                            'respondent', jsonb_build_object('zespol', team),
                                            'tally', jsonb_build_array(jsonb_build_array('atmosfera', v1::text),
                                                                       jsonb_build_array('rozwoj', v2::text),
                                                                       jsonb_build_array('@zespol', team))))
        FROM (SELECT n, CASE WHEN n <= 20 THEN 'obsluga' WHEN n <= 40 THEN 'ksiegowosc' ELSE 'it' END AS team,
                     pg_temp.zsz_demo_score(s.id, n, 1, false, true) AS v1, pg_temp.zsz_demo_score(s.id, n, 2, n > 20, true) AS v2
              FROM generate_series(1, 43) AS n) AS e));
    END IF;
  END LOOP;
END
$$;

COMMIT;
