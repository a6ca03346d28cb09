-- Demo incidents for krakow over the current year: a breach notified to UODO on time, one
-- notified late with a reason, one not notified (no risk), a cyber incident reported to
-- CSIRT NASK, and a dismissed event. Idempotent (numbers are fixed per year).
BEGIN;
SET LOCAL zsz.actor = 'seed';
SET LOCAL zsz.action = 'seed';

WITH o AS (SELECT id FROM organisations WHERE code = 'krakow'),
     y AS (SELECT extract(year FROM zsz_today())::integer AS year),
     d AS (SELECT * FROM (VALUES
  (1, 'Wysłanie decyzji z danymi osobowymi do niewłaściwego adresata', 'personal_data_breach',
   '{confidentiality}'::text[], 3, 'closed', '02-10 09:00', '02-10 11:00',
   jsonb_build_object('breach_nature', 'unauthorised_disclosure', 'data_categories', '["imię i nazwisko", "adres", "PESEL"]'::jsonb,
     'subjects_count', 1, 'records_count', 1, 'likely_consequences', 'Ryzyko kradzieży tożsamości.',
     'measures_taken', 'Adresat potwierdził usunięcie, wdrożono podwójną weryfikację adresu.', 'risk_level', 'risk',
     'uodo_reference', 'DKN.5130.1001.' || (SELECT year FROM y)), 30, NULL::integer,
   'Przeszkolono pracowników kancelarii z weryfikacji adresów.'),
  (2, 'Kradzież niezaszyfrowanego pendrive z listą wnioskodawców', 'personal_data_breach',
   '{confidentiality,availability}'::text[], 4, 'closed', '05-06 14:00', '05-06 16:30',
   jsonb_build_object('breach_nature', 'loss', 'data_categories', '["imię i nazwisko", "telefon", "dane o zdrowiu"]'::jsonb,
     'subjects_count', 340, 'records_count', 340, 'likely_consequences', 'Ujawnienie danych szczególnych kategorii.',
     'measures_taken', 'Zgłoszenie na policję, blokada nośników USB.', 'risk_level', 'high',
     'uodo_reference', 'DKN.5130.2044.' || (SELECT year FROM y),
     'uodo_late_reason', 'Ustalenie zakresu danych na nośniku wymagało odtworzenia kopii zapasowej (4 dni).',
     'subjects_notification_method', 'List polecony do każdej osoby'), 100, 120,
   'Szyfrowanie nośników wymuszone polityką grupową.'),
  (3, 'Omyłkowe udostępnienie zanonimizowanego raportu', 'personal_data_breach',
   '{confidentiality}'::text[], 1, 'closed', '08-20 10:00', '08-20 10:30',
   jsonb_build_object('breach_nature', 'unauthorised_disclosure', 'data_categories', '["inicjały"]'::jsonb,
     'subjects_count', 12, 'records_count', 12, 'likely_consequences', 'Brak: dane nie pozwalają zidentyfikować osób.',
     'measures_taken', 'Raport wycofany.', 'risk_level', 'none',
     'uodo_not_notified_reason', 'Naruszenie nie skutkuje ryzykiem naruszenia praw lub wolności osób fizycznych.'),
   NULL, NULL, 'Kontrola anonimizacji przed publikacją.'),
  (4, 'Atak ransomware na serwer plików Wydziału Finansów', 'cyber',
   '{availability,integrity}'::text[], 5, 'closed', '09-15 03:20', '09-15 06:00', NULL::jsonb, NULL, NULL,
   'Segmentacja sieci i kopie offline.'),
  (5, 'Podejrzana wiadomość e-mail (phishing) zgłoszona przez pracownika', 'cyber',
   '{confidentiality}'::text[], NULL, 'dismissed', '10-02 12:00', '10-02 12:15', NULL::jsonb, NULL, NULL, '')
) AS v(n, title, type, categories, severity, status, occurred, detected, breach, uodo_after, subjects_after, lessons))
INSERT INTO incidents (org_id, number, title, description, kind, categories, type, occurred_at, detected_at,
                       reported_at, reporter, severity, status, status_reason, resolution, lessons_learned, breach, ksc)
SELECT o.id, 'INC/' || y.year || '/' || lpad(d.n::text, 4, '0'), d.title, d.title,
       CASE WHEN d.status = 'dismissed' THEN 'event' ELSE 'incident' END, d.categories, d.type,
       (y.year || '-' || d.occurred || ':00+01:00')::timestamptz, (y.year || '-' || d.detected || ':00+01:00')::timestamptz,
       (y.year || '-' || d.detected || ':00+01:00')::timestamptz + interval '20 minutes',
       'krakow.employee', d.severity, d.status,
       CASE WHEN d.status = 'dismissed' THEN 'Wiadomość zablokowana przez filtr, brak kliknięć.' END,
       CASE WHEN d.status = 'closed' THEN 'Incydent obsłużony, skutki usunięte.' ELSE '' END, d.lessons,
       CASE WHEN d.breach IS NULL THEN NULL ELSE d.breach
         || jsonb_build_object('aware_at', to_jsonb(date_trunc('second', (y.year || '-' || d.detected || ':00+01:00')::timestamptz + interval '1 hour')))
         || CASE WHEN d.uodo_after IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('uodo_notified_at',
              to_jsonb(date_trunc('second', (y.year || '-' || d.detected || ':00+01:00')::timestamptz
                       + make_interval(hours => 1 + d.uodo_after)))) END
         || CASE WHEN d.subjects_after IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('subjects_notified_at',
              to_jsonb(date_trunc('second', (y.year || '-' || d.detected || ':00+01:00')::timestamptz
                       + make_interval(hours => 1 + d.subjects_after)))) END
       END,
       CASE WHEN d.type = 'cyber' AND d.status <> 'dismissed' THEN jsonb_build_object('csirt', 'NASK',
         'public_task_affected', true, 'people_affected', 45000, 'duration', '30 h',
         'csirt_reported_at', to_jsonb(date_trunc('second', (y.year || '-' || d.detected || ':00+01:00')::timestamptz + interval '5 hours')),
         'csirt_reference', 'CSIRT-NASK/' || y.year || '/0917',
         'csirt_supplements', jsonb_build_array(jsonb_build_object('at',
           to_jsonb(date_trunc('second', (y.year || '-' || d.detected || ':00+01:00')::timestamptz + interval '3 days')),
           'reference', 'CSIRT-NASK/' || y.year || '/0917/1', 'summary', 'Raport końcowy: odtworzono dane z kopii.'))) END
FROM o, y, d
WHERE (y.year || '-' || d.detected || ':00+01:00')::timestamptz < now()
ON CONFLICT (org_id, number) DO NOTHING;

-- the counter continues after the seeded numbers
INSERT INTO incident_counters (org_id, year, last)
SELECT org_id, extract(year FROM reported_at)::integer, max(split_part(number, '/', 3)::integer)
FROM incidents i JOIN organisations o ON o.id = i.org_id AND o.code = 'krakow'
GROUP BY org_id, extract(year FROM reported_at)::integer
ON CONFLICT (org_id, year) DO UPDATE SET last = greatest(incident_counters.last, EXCLUDED.last);

COMMIT;
