-- Demo objectives for krakow in the current year: approved, each with a quarterly indicator and
-- readings for the quarters already over, so the report shows one objective on track, one at
-- risk and one off track (late in the year; early on, fewer quarters have data). Idempotent.
BEGIN;
SET LOCAL zsz.actor = 'seed';
SET LOCAL zsz.action = 'seed';

WITH o AS (SELECT id FROM organisations WHERE code = 'krakow'),
     y AS (SELECT extract(year FROM zsz_today())::integer AS year)
INSERT INTO objectives (org_id, code, year, title, description, strategy_ref, standards, process_id, owner,
                        planned_actions, resources, due_date, evaluation_method, status, approved_version)
SELECT o.id, d.code_prefix || '-' || y.year || '-' || d.n, y.year, d.title, d.description, d.strategy_ref,
       d.standards, (SELECT p.id FROM processes p WHERE p.org_id = o.id AND p.code = d.process_code),
       'krakow.process_owner', d.planned_actions, d.resources, make_date(y.year, 12, 31), d.evaluation,
       'approved', 1
FROM o, y, (VALUES
  ('CJ', '01', 'Skrócenie czasu załatwiania skarg i wniosków',
   'Średni czas rozpatrzenia skargi lub wniosku.', 'Strategia Rozwoju Krakowa 2030, cel operacyjny 6.1',
   ARRAY['iso9001'], 'GR 3', 'Elektroniczny obieg skarg, cotygodniowy przegląd zaległości.',
   '2 etaty w Kancelarii Magistratu', 'Średni czas z rejestru EZD, kwartalnie.'),
  ('CJ', '02', 'Wzrost satysfakcji klientów urzędu',
   'Średnia ocena w badaniu satysfakcji klientów zewnętrznych (skala 1-5).', 'Polityka jakości, cel 2',
   ARRAY['iso9001'], 'GR 4', 'Szkolenia z obsługi klienta, nowy system kolejkowy.',
   'Budżet szkoleniowy 60 000 zł', 'Ankieta satysfakcji, wynik kwartalny.'),
  ('BI', '01', 'Przeszkolenie pracowników z bezpieczeństwa informacji',
   'Odsetek pracowników z aktualnym szkoleniem SZBI.', 'Polityka bezpieczeństwa informacji',
   ARRAY['iso27001'], 'GR 6', 'E-learning i warsztaty dla wydziałów.', 'Platforma e-learningowa, IOD',
   'Rejestr szkoleń, kwartalnie.')
) AS d(code_prefix, n, title, description, strategy_ref, standards, process_code, planned_actions, resources, evaluation)
ON CONFLICT (org_id, code) DO NOTHING;

INSERT INTO objective_approvals (org_id, objective_id, version, approved_by, changes)
SELECT o.org_id, o.id, 1, 'krakow.president',
       jsonb_build_object('planned_actions', jsonb_build_object('before', null, 'after', o.planned_actions),
                          'resources', jsonb_build_object('before', null, 'after', o.resources),
                          'due_date', jsonb_build_object('before', null, 'after', o.due_date),
                          'evaluation_method', jsonb_build_object('before', null, 'after', o.evaluation_method),
                          'owner', jsonb_build_object('before', null, 'after', o.owner))
FROM objectives o JOIN organisations g ON g.id = o.org_id AND g.code = 'krakow'
WHERE o.code LIKE '__-' || extract(year FROM zsz_today())::integer || '-__'
ON CONFLICT DO NOTHING;

-- name, unit, direction, baseline, target, and the readings per quarter
INSERT INTO indicators (org_id, objective_id, name, unit, direction, baseline, target, frequency, responsible)
SELECT o.org_id, o.id, d.name, d.unit, d.direction, d.baseline, d.target, 'quarterly', 'krakow.process_owner'
FROM objectives o JOIN organisations g ON g.id = o.org_id AND g.code = 'krakow'
JOIN (VALUES
  ('CJ-%-01', 'Średni czas rozpatrzenia skargi', 'dni', 'decrease', 30::numeric, 20::numeric),
  ('CJ-%-02', 'Średnia ocena satysfakcji', 'pkt', 'increase', 3.8, 4.5),
  ('BI-%-01', 'Pracownicy przeszkoleni z SZBI', '%', 'increase', 40, 100)
) AS d(pattern, name, unit, direction, baseline, target) ON o.code LIKE d.pattern
WHERE o.year = extract(year FROM zsz_today())::integer
  AND NOT EXISTS (SELECT 1 FROM indicators i WHERE i.objective_id = o.id AND i.name = d.name);

-- Quarters already over: on track (decrease to 22 of 30 -> 20), at risk (4.2 of 3.8 -> 4.5),
-- off track (55 of 40 -> 100).
INSERT INTO indicator_readings (org_id, indicator_id, period, value, comment, recorded_by)
SELECT i.org_id, i.id, o.year || '-Q' || q, v.values[q], 'dane demonstracyjne', 'krakow.process_owner'
FROM indicators i
JOIN objectives o ON o.id = i.objective_id
JOIN organisations g ON g.id = i.org_id AND g.code = 'krakow'
JOIN (VALUES
  ('Średni czas rozpatrzenia skargi', ARRAY[28, 25, 22, 21]::numeric[]),
  ('Średnia ocena satysfakcji', ARRAY[3.9, 4.1, 4.2, 4.25]::numeric[]),
  ('Pracownicy przeszkoleni z SZBI', ARRAY[45, 50, 55, 60]::numeric[])
) AS v(name, values) ON v.name = i.name
CROSS JOIN generate_series(1, 4) AS q
WHERE (make_date(o.year, 1, 1) + make_interval(months => 3 * q))::date <= zsz_today()
ON CONFLICT DO NOTHING;

COMMIT;
