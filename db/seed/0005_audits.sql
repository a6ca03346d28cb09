-- Demo audits for krakow in the current year: auditors appointed by the president's order,
-- an approved programme, a finished audit of GR 3 with two findings, one nonconformity closed
-- after a first effectiveness check failed, and one still open with an overdue action.
-- Idempotent: nothing is added to a year that already has a programme or audits.
BEGIN;
SET LOCAL zsz.actor = 'seed';
SET LOCAL zsz.action = 'seed';

DO $$
DECLARE
  org bigint := (SELECT id FROM organisations WHERE code = 'krakow');
  y integer := extract(year FROM zsz_today())::integer;
  gr3 bigint;
  gw2 bigint;
  audit bigint;
  f1 bigint;
  f2 bigint;
  nc1 bigint;
  nc2 bigint;
  t0 timestamptz;
  n1 integer;
  n2 integer;
BEGIN
  -- a year someone already planned is left alone: the demo never mixes with real records
  IF org IS NULL OR EXISTS (SELECT 1 FROM audit_programmes WHERE org_id = org AND year = y)
     OR EXISTS (SELECT 1 FROM audits WHERE org_id = org AND year = y) THEN
    RETURN;
  END IF;
  gr3 := (SELECT id FROM processes WHERE org_id = org AND code = 'GR 3');
  gw2 := (SELECT id FROM processes WHERE org_id = org AND code = 'GW 2');
  t0 := make_date(y, 3, 10)::timestamptz;

  INSERT INTO users (org_id, sub, name, roles, unit_id)
  VALUES (org, 'krakow.auditor2', 'Ewa Mazur (Audytor)', ARRAY['auditor'],
          (SELECT id FROM org_units WHERE org_id = org AND code = 'WOU'))
  ON CONFLICT (org_id, sub) DO NOTHING;
  INSERT INTO auditor_appointments (org_id, year, auditor, order_ref, qualifications, valid_from, valid_to)
  VALUES (org, y, 'krakow.auditor', 'Zarządzenie nr 12/' || y || '/P', ARRAY['iso9001', 'iso27001'],
          make_date(y, 1, 1), make_date(y, 12, 31)),
         (org, y, 'krakow.auditor2', 'Zarządzenie nr 12/' || y || '/P', ARRAY['iso9001'],
          make_date(y, 1, 1), make_date(y, 12, 31));

  INSERT INTO audit_programmes (org_id, year, objectives, risks_considered, status, version)
  VALUES (org, y, 'Ocena skuteczności procesów obsługi klienta i zakupów; przygotowanie do audytu nadzoru.',
          'Skargi na terminowość (GR 3); ryzyko nieprawidłowości w umowach (GW 2).', 'approved', 1);

  INSERT INTO audits (org_id, code, year, kind, scope_process_ids, criteria, planned_start, planned_end, lead_auditor,
                      team, auditees, status, report, reported_at)
  VALUES (org, 'AW-' || y || '-01', y, 'quality', ARRAY[gr3], ARRAY['ISO 9001:2015 8.5.1', 'ISO 9001:2015 9.1.2'],
          make_date(y, 3, 10), make_date(y, 3, 11), 'krakow.auditor', ARRAY['krakow.auditor', 'krakow.auditor2'],
          ARRAY['Kierownik Kancelarii Magistratu'], 'closed',
          jsonb_build_object('summary', 'Proces GR 3 działa; terminowość odpowiedzi wymaga nadzoru.',
                             'strong_points', 'Rzetelna rejestracja skarg w EZD.',
                             'areas_to_improve', 'Monitorowanie terminów; analiza przyczyn skarg.',
                             'conclusion', 'System skuteczny z dwiema niezgodnościami.'),
          t0 + interval '2 days')
  RETURNING id INTO audit;
  INSERT INTO audits (org_id, code, year, kind, scope_process_ids, criteria, planned_start, planned_end, lead_auditor,
                      team, status)
  VALUES (org, 'AW-' || y || '-02', y, 'quality', ARRAY[gw2], ARRAY['ISO 9001:2015 8.4.1'],
          make_date(y, 10, 5), make_date(y, 10, 6), 'krakow.auditor2', ARRAY['krakow.auditor2'], 'planned');
  INSERT INTO audit_programme_versions (org_id, year, version, snapshot, approved_by, approved_at)
  SELECT org, y, 1, jsonb_build_object('year', y, 'version', 1, 'objectives', p.objectives,
                                       'risks_considered', p.risks_considered, 'audits', zsz_programme_audits(org, y)),
         'krakow.president', make_date(y, 1, 20)::timestamptz
  FROM audit_programmes p WHERE p.org_id = org AND p.year = y;

  -- numbers come from the counter like the API's, so the seed never collides with registered ones
  INSERT INTO nonconformity_counters (org_id, year, last) VALUES (org, y, 2)
  ON CONFLICT (org_id, year) DO UPDATE SET last = nonconformity_counters.last + 2
  RETURNING last - 1, last INTO n1, n2;

  INSERT INTO audit_findings (org_id, audit_id, kind, clause, process_id, description, evidence, created_by, created_at)
  VALUES (org, audit, 'minor_nonconformity', 'ISO 9001:2015 8.5.1', gr3,
          'Odpowiedzi na 3 z 20 skarg wysłano po terminie 30 dni.',
          jsonb_build_object('text', 'Próba 20 spraw z I kwartału.', 'documents',
                             jsonb_build_array(jsonb_build_object('znak_sprawy', 'KS-I.1510.14.' || y, 'document_id', 'D-1402'))),
          'krakow.auditor', t0 + interval '1 day')
  RETURNING id INTO f1;
  INSERT INTO audit_findings (org_id, audit_id, kind, clause, process_id, description, evidence, created_by, created_at)
  VALUES (org, audit, 'minor_nonconformity', 'ISO 9001:2015 9.1.2', gr3,
          'Nie analizuje się przyczyn powtarzających się skarg.',
          jsonb_build_object('text', 'Brak analizy w protokołach przeglądu procesu.', 'documents', '[]'::jsonb),
          'krakow.auditor2', t0 + interval '1 day')
  RETURNING id INTO f2;

  -- closed after a failed first check: both rounds stay in the history
  INSERT INTO nonconformities (org_id, number, source, source_ref, audit_id, finding_id, severity, process_id, owner,
                               description, correction, root_cause, status, round, effectiveness, created_at, closed_at)
  VALUES (org, 'NC/' || y || '/' || lpad(n1::text, 3, '0'), 'internal_audit', 'AW-' || y || '-01', audit, f1, 'minor', gr3,
          'krakow.process_owner', 'Odpowiedzi na 3 z 20 skarg wysłano po terminie 30 dni.',
          'Wysłano zaległe odpowiedzi.', 'Brak przypomnień o terminach w EZD.', 'closed', 2,
          jsonb_build_object('effective', true, 'evaluated_by', 'krakow.auditor',
                             'evaluated_at', to_jsonb(date_trunc('second', t0 + interval '150 days')),
                             'comment', 'Próba 30 spraw z III kwartału: wszystkie w terminie.'),
          t0 + interval '1 day', t0 + interval '150 days')
  RETURNING id INTO nc1;
  INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, due_date, status,
                                     done_at, note)
  VALUES (org, nc1, 'corrective', 'Włączyć przypomnienia o terminach w EZD.', 'krakow.employee',
          (t0 + interval '40 days')::date, 'done', t0 + interval '35 days', 'Włączone.'),
         (org, nc1, 'corrective', 'Cotygodniowy przegląd zaległości przez kierownika.', 'krakow.process_owner',
          (t0 + interval '110 days')::date, 'done', t0 + interval '100 days', 'Przeglądy od czerwca.');
  INSERT INTO nonconformity_history (org_id, nonconformity_id, at, from_status, to_status, by, note)
  SELECT org, nc1, t0 + (d || ' days')::interval, f, t, b, n
  FROM (VALUES (1, NULL, 'open', 'krakow.auditor', ''),
               (3, 'open', 'analysis', 'krakow.process_owner', ''),
               (5, 'analysis', 'action_plan', 'krakow.process_owner', ''),
               (7, 'action_plan', 'implementation', 'krakow.process_owner', ''),
               (36, 'implementation', 'verification', 'krakow.process_owner', ''),
               (60, 'verification', 'analysis', 'krakow.auditor', 'Przypomnienia włączone, ale nadal 2 opóźnienia w próbie.'),
               (65, 'analysis', 'action_plan', 'krakow.process_owner', ''),
               (66, 'action_plan', 'implementation', 'krakow.process_owner', ''),
               (101, 'implementation', 'verification', 'krakow.process_owner', ''),
               (150, 'verification', 'closed', 'krakow.auditor', 'Próba 30 spraw z III kwartału: wszystkie w terminie.')
       ) AS h(d, f, t, b, n);
  UPDATE audit_findings SET nonconformity_id = nc1 WHERE id = f1;

  -- still open, its action overdue
  INSERT INTO nonconformities (org_id, number, source, source_ref, audit_id, finding_id, severity, process_id, owner,
                               description, root_cause, status, created_at)
  VALUES (org, 'NC/' || y || '/' || lpad(n2::text, 3, '0'), 'internal_audit', 'AW-' || y || '-01', audit, f2, 'minor', gr3,
          'krakow.process_owner', 'Nie analizuje się przyczyn powtarzających się skarg.',
          'Brak procedury analizy skarg.', 'implementation', t0 + interval '1 day')
  RETURNING id INTO nc2;
  INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, due_date)
  VALUES (org, nc2, 'corrective', 'Kwartalna analiza przyczyn skarg w przeglądzie procesu.', 'krakow.process_owner',
          (t0 + interval '90 days')::date);
  INSERT INTO nonconformity_history (org_id, nonconformity_id, at, from_status, to_status, by, note)
  SELECT org, nc2, t0 + (d || ' days')::interval, f, t, b, ''
  FROM (VALUES (1, NULL, 'open', 'krakow.auditor2'), (4, 'open', 'analysis', 'krakow.process_owner'),
               (6, 'analysis', 'action_plan', 'krakow.process_owner'),
               (8, 'action_plan', 'implementation', 'krakow.process_owner')) AS h(d, f, t, b);
  UPDATE audit_findings SET nonconformity_id = nc2 WHERE id = f2;
END
$$;

COMMIT;
