-- Demo data: a Kraków-style hall (GZ/GR/GW) and a Lublin-style hall (PZ/PG/PW), org units,
-- processes named in their quality manuals, and one demo user per role. Idempotent.
BEGIN;
SET LOCAL zsz.actor = 'seed';
SET LOCAL zsz.action = 'seed';

INSERT INTO organisations (code, name, process_scheme) VALUES
  ('krakow', 'Urząd Miasta Krakowa', 'krakow'),
  ('lublin', 'Urząd Miasta Lublin', 'lublin')
ON CONFLICT (code) DO NOTHING;

INSERT INTO org_units (org_id, code, name)
SELECT o.id, u.code, u.name
FROM organisations o
JOIN (VALUES
  ('krakow', 'SEK', 'Sekretarz Miasta'),
  ('krakow', 'OR', 'Wydział Organizacji i Nadzoru'),
  ('krakow', 'FN', 'Wydział Finansów i Budżetu'),
  ('krakow', 'WOU', 'Wydział Obsługi Urzędu'),
  ('krakow', 'KS', 'Kancelaria Magistratu'),
  ('lublin', 'BZJ', 'Biuro Zarządzania Jakością'),
  ('lublin', 'WOK', 'Wydział Obsługi Klienta'),
  ('lublin', 'WF', 'Wydział Finansowy')
) AS u(org, code, name) ON u.org = o.code
ON CONFLICT (org_id, code) DO NOTHING;

INSERT INTO users (org_id, sub, name, roles, unit_id)
SELECT o.id, o.code || '.' || r.role, r.name, ARRAY[r.role]::text[],
       (SELECT id FROM org_units ou WHERE ou.org_id = o.id AND ou.code = r.unit)
FROM organisations o
JOIN (VALUES
  ('krakow', 'president', 'Jan Nowak (Prezydent)', 'SEK'),
  ('krakow', 'plenipotentiary', 'Agnieszka Górecka (Pełnomocnik)', 'OR'),
  ('krakow', 'process_owner', 'Łukasz Żółkiewski (Właściciel procesu)', 'SEK'),
  ('krakow', 'iod', 'Małgorzata Śliwińska (IOD)', 'OR'),
  ('krakow', 'auditor', 'Piotr Wójcik (Audytor)', 'FN'),
  ('krakow', 'employee', 'Zofia Kowalczyk (Pracownik)', 'WOU'),
  ('lublin', 'president', 'Krzysztof Zięba (Prezydent)', 'BZJ'),
  ('lublin', 'plenipotentiary', 'Ewa Lis (Pełnomocnik)', 'BZJ'),
  ('lublin', 'process_owner', 'Tomasz Ząbek (Właściciel procesu)', 'WOK'),
  ('lublin', 'iod', 'Anna Dąbrowska (IOD)', 'BZJ'),
  ('lublin', 'auditor', 'Marek Sęk (Audytor)', 'WF'),
  ('lublin', 'employee', 'Katarzyna Łęcka (Pracownik)', 'WOK')
) AS r(org, role, name, unit) ON r.org = o.code
ON CONFLICT (org_id, sub) DO NOTHING;

INSERT INTO processes (org_id, code, name, category, owner, org_unit_id, description)
SELECT o.id, p.code, p.name, p.category, o.code || '.process_owner',
       (SELECT id FROM org_units ou WHERE ou.org_id = o.id AND ou.code = p.unit), p.description
FROM organisations o
JOIN (VALUES
  ('krakow', 'GZ 1', 'Wieloletnie i roczne planowanie finansowe, w tym zadań bieżących i inwestycyjnych', 'management', 'FN',
   'Planowanie i realizacja budżetu miasta.'),
  ('krakow', 'GZ 6', 'Monitorowanie procesów i zadań', 'management', 'OR',
   'Monitorowanie realizacji procesów i zadań urzędu.'),
  ('krakow', 'GZ 7', 'Zarządzanie rozwojem i ocena pracownika', 'management', 'OR',
   'Zarządzanie zasobami ludzkimi: rozwój i okresowa ocena pracowników.'),
  ('krakow', 'GZ 8', 'Zarządzanie ryzykiem', 'management', 'SEK',
   'Identyfikacja, ocena i monitorowanie ryzyk; właściciel procesu: Sekretarz Miasta.'),
  ('krakow', 'GR 3', 'Skargi, wnioski i interpelacje', 'core', 'KS',
   'Rozpatrywanie skarg, wniosków i interpelacji.'),
  ('krakow', 'GR 4', 'Komunikacja z otoczeniem', 'core', 'KS',
   'Komunikacja z klientem zewnętrznym.'),
  ('krakow', 'GR 6', 'Gromadzenie i przetwarzanie danych', 'core', 'OR',
   'Zasady gromadzenia i przetwarzania danych w urzędzie.'),
  ('krakow', 'GW 2', 'Zawieranie umów wydatkowych', 'support', 'WOU',
   'Zakupy i umowy wydatkowe.'),
  ('lublin', 'PZ 1', 'Zarządzanie strategiczne', 'management', 'BZJ',
   'Tworzenie wizji i wyznaczanie kierunków działania urzędu.'),
  ('lublin', 'PZ.4.4.5', 'Przeprowadzanie auditu jakości', 'management', 'BZJ',
   'Procedura przeprowadzania auditów wewnętrznych.'),
  ('lublin', 'PG 1', 'Obsługa klienta', 'core', 'WOK',
   'Przyjmowanie i załatwianie spraw klientów.'),
  ('lublin', 'PG 2', 'Wydawanie decyzji administracyjnych', 'core', 'WOK',
   'Prowadzenie postępowań administracyjnych.'),
  ('lublin', 'PW 1', 'Zarządzanie finansami', 'support', 'WF',
   'Procesy wspomagające realizację procesów głównych.')
) AS p(org, code, name, category, unit, description) ON p.org = o.code
ON CONFLICT (org_id, code) DO NOTHING;

-- Version 1 of every seeded description.
INSERT INTO process_versions (org_id, process_id, version, description, approved_by)
SELECT p.org_id, p.id, 1, p.description, 'seed'
FROM processes p
WHERE NOT EXISTS (SELECT 1 FROM process_versions v WHERE v.process_id = p.id);

COMMIT;
