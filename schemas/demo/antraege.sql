-- Synthetic Online-Anträge for the demo, for one municipality: 60 applications received over the last 10 days,
-- 40 of them open, the older ones approved, rejected or waiting for the applicant (needs_info). Every applicant
-- is a person of that municipality's synthetic Melderegister (no Auskunftssperre, 18 to 85), referred to by their
-- record id. Deterministic like melderegister.sql: every value is derived from a hash of (municipality, item
-- number, attribute); only the times are relative to now, and the ids carry the current year.
-- Run as a superuser on the demo database after melderegister.sql (it uses melde.pick and melde.num); it applies
-- schemas/antraege.sql first and replaces the municipality's items:
--   psql -v ON_ERROR_STOP=1 -v ags=15088220 -v prefix=MER -f schemas/demo/antraege.sql

SET client_min_messages = warning;
\ir ../antraege.sql
\set melde_table 'melderegister_' :ags

DELETE FROM antraege.items WHERE ags = :'ags';

CREATE FUNCTION pg_temp.field(text, text, text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('name', $1, 'label', $2, 'value', $3)
$$;

-- For e-mail addresses: "Jürgen Weiß" -> "juergen.weiss".
CREATE FUNCTION pg_temp.ascii(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT translate(replace(replace(replace(replace(lower($1), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss'),
                   'éèıçşğ ''', 'eeicsg-')
$$;

-- One row per item: its kind, status, times, the applicant's record and (for moves) the new street.
CREATE TEMP TABLE oa AS
SELECT a.n, a.seed,
       'OA-' || to_char(now(), 'YYYY') || '-' || :'prefix' || '-' || lpad(a.n::text, 4, '0') AS id,
       a.kind, a.status, a.received,
       a.received + (1 + melde.num(a.seed || 'ct', 48)) * interval '1 hour' AS claimed_at,
       melde.pick(ARRAY['k.schulze', 'm.becker', 's.hoffmann', 't.krause'], a.seed || 'cl') || '@' || :'ags' AS clerk,
       p.*, u.strasse AS neue_strasse, u.hausnummer AS neue_hausnummer
FROM (
  SELECT n, :'ags' || '/oa/' || n AS seed,
         melde.pick(ARRAY['Wohnsitzanmeldung', 'Wohnsitzanmeldung', 'Wohnsitzanmeldung',
                          'Ummeldung innerhalb der Gemeinde', 'Ummeldung innerhalb der Gemeinde', 'Abmeldung',
                          'Antrag auf Meldebescheinigung', 'Antrag auf Meldebescheinigung', 'Gewerbeanmeldung',
                          'Gewerbeummeldung', 'Gewerbeabmeldung'], :'ags' || '/oa/' || n || 'k') AS kind,
         -- The 20 oldest are done: every 4th waits for the applicant, some are rejected, the rest approved.
         CASE WHEN n > 20 THEN 'open' WHEN n % 4 = 0 THEN 'needs_info' WHEN n % 5 = 3 THEN 'rejected'
              ELSE 'approved' END AS status,
         date_trunc('minute', now()) - interval '10 days' + (n - 1) * interval '4 hours'
           + melde.num(:'ags' || '/oa/' || n || 'r', 180) * interval '1 minute' AS received
  FROM generate_series(1, 60) AS n) a
CROSS JOIN LATERAL (
  SELECT m.id AS person_id, m.familienname, m.vornamen, m.geburtsdatum, m.anschrift, m.plz, m.ort
  FROM melde.:"melde_table" m
  WHERE m.id >= :'prefix' || '-' || lpad((1 + melde.num(a.seed || 'p', 9000))::text, 6, '0')
    AND NOT m.auskunftssperre
    AND m.geburtsdatum BETWEEN (now() - interval '85 years')::date AND (now() - interval '18 years')::date
  ORDER BY m.id LIMIT 1) p
CROSS JOIN LATERAL (
  SELECT strasse, hausnummer FROM melde.:"melde_table"
  WHERE id = :'prefix' || '-' || lpad((1 + melde.num(a.seed || 'u', 10000))::text, 6, '0')) u;

-- What the applicant entered, by kind. A business's name and activity are picked with the same seed from lists
-- of the same length, so they match.
CREATE TEMP TABLE oa_applicant AS
SELECT id,
  jsonb_build_array(
    pg_temp.field('familienname', 'Familienname', familienname),
    pg_temp.field('vornamen', 'Vornamen', vornamen),
    pg_temp.field('geburtsdatum', 'Geburtsdatum', geburtsdatum::text),
    pg_temp.field('email', 'E-Mail', pg_temp.ascii(split_part(vornamen, ' ', 1)) || '.' || pg_temp.ascii(familienname)
                                     || '@example.org'))
  || CASE kind
     WHEN 'Wohnsitzanmeldung' THEN jsonb_build_array(
       pg_temp.field('einzugsdatum', 'Einzugsdatum', (received::date - melde.num(seed || 'ed', 14))::text),
       pg_temp.field('wohnungsart', 'Art der Wohnung', 'alleinige Wohnung'),
       pg_temp.field('neue_anschrift', 'Neue Anschrift', anschrift),
       pg_temp.field('bisherige_anschrift', 'Bisherige Anschrift', melde.pick(ARRAY[
         'Leipziger Straße 12, 04109 Leipzig', 'Große Ulrichstraße 40, 06108 Halle (Saale)',
         'Breiter Weg 201, 39104 Magdeburg', 'Juri-Gagarin-Ring 150, 99084 Erfurt',
         'Prager Straße 8, 01069 Dresden', 'Karl-Marx-Allee 90, 10243 Berlin',
         'Holzmarkt 5, 07743 Jena'], seed || 'ba')),
       pg_temp.field('wohnungsgeber', 'Wohnungsgeber', melde.pick(ARRAY[
         'Wohnungsbaugesellschaft ' || ort || ' mbH', 'Wohnungsgenossenschaft ' || ort || ' eG',
         'Hausverwaltung Krüger & Partner', 'privat (' || melde.pick(ARRAY['Schulze', 'Lorenz', 'Böhm', 'Seidel'],
         seed || 'wv') || ')'], seed || 'wg')))
     WHEN 'Ummeldung innerhalb der Gemeinde' THEN jsonb_build_array(
       pg_temp.field('einzugsdatum', 'Einzugsdatum', (received::date - melde.num(seed || 'ed', 14))::text),
       pg_temp.field('bisherige_anschrift', 'Bisherige Anschrift', anschrift),
       pg_temp.field('neue_anschrift', 'Neue Anschrift',
                     neue_strasse || ' ' || neue_hausnummer || ', ' || plz || ' ' || ort))
     WHEN 'Abmeldung' THEN jsonb_build_array(
       pg_temp.field('auszugsdatum', 'Auszugsdatum', (received::date + melde.num(seed || 'ad', 21))::text),
       pg_temp.field('bisherige_anschrift', 'Bisherige Anschrift', anschrift),
       pg_temp.field('neue_anschrift', 'Neue Anschrift (Ausland)', melde.pick(ARRAY[
         'ul. Długa 7, 80-827 Gdańsk, Polen', 'Rue de la Paix 5, 75002 Paris, Frankreich',
         'Mariahilfer Straße 88, 1070 Wien, Österreich', 'Kärntner Ring 3, 1010 Wien, Österreich',
         'Vinohradská 12, 120 00 Praha, Tschechien', 'Calle Mayor 21, 28013 Madrid, Spanien'], seed || 'na')))
     WHEN 'Antrag auf Meldebescheinigung' THEN jsonb_build_array(
       pg_temp.field('art', 'Art der Bescheinigung',
                     melde.pick(ARRAY['einfache Meldebescheinigung', 'erweiterte Meldebescheinigung'], seed || 'mb')),
       pg_temp.field('zweck', 'Verwendungszweck', melde.pick(ARRAY['Vorlage beim Arbeitgeber',
         'Vorlage bei der Bank', 'Antrag auf Kindergeld', 'Vorlage beim Standesamt', 'Antrag auf Wohngeld'],
         seed || 'zw')),
       pg_temp.field('zustellung', 'Zustellung', melde.pick(ARRAY['per Post', 'elektronisch (BundID-Postfach)',
         'Abholung im Bürgerbüro'], seed || 'zu')))
     WHEN 'Gewerbeanmeldung' THEN jsonb_build_array(
       pg_temp.field('betriebsname', 'Betriebsname', melde.pick(ARRAY['Friseursalon', 'Elektro', 'Malerbetrieb',
         'IT-Service', 'Hausmeisterservice', 'Reinigungsdienst', 'Café', 'Fahrradwerkstatt'], seed || 'bn')
         || ' ' || familienname),
       pg_temp.field('taetigkeit', 'Angemeldete Tätigkeit', melde.pick(ARRAY['Friseurhandwerk',
         'Elektroinstallation', 'Maler- und Lackiererarbeiten', 'IT-Dienstleistungen', 'Hausmeisterdienste',
         'Gebäudereinigung', 'Ausschank von Getränken und Speisen', 'Reparatur von Fahrrädern'], seed || 'bn')),
       pg_temp.field('rechtsform', 'Rechtsform',
                     melde.pick(ARRAY['Einzelunternehmen', 'Einzelunternehmen', 'GbR', 'UG (haftungsbeschränkt)'],
                                seed || 'rf')),
       pg_temp.field('betriebsanschrift', 'Betriebsstätte', anschrift),
       pg_temp.field('beginn', 'Beginn der Tätigkeit', (received::date + melde.num(seed || 'bg', 30))::text))
     WHEN 'Gewerbeummeldung' THEN jsonb_build_array(
       pg_temp.field('betriebsname', 'Betriebsname', melde.pick(ARRAY['Bäckerei', 'Blumenladen', 'Tischlerei',
         'Kfz-Werkstatt'], seed || 'bn') || ' ' || familienname),
       pg_temp.field('aenderung', 'Art der Änderung', melde.pick(ARRAY['Verlegung innerhalb der Gemeinde',
         'Erweiterung der Tätigkeit', 'Änderung des Betriebsnamens'], seed || 'ae')),
       pg_temp.field('neue_betriebsanschrift', 'Neue Betriebsstätte',
                     neue_strasse || ' ' || neue_hausnummer || ', ' || plz || ' ' || ort),
       pg_temp.field('datum', 'Datum der Änderung', (received::date + melde.num(seed || 'da', 30))::text))
     ELSE jsonb_build_array(
       pg_temp.field('betriebsname', 'Betriebsname', melde.pick(ARRAY['Gaststätte', 'Fahrschule', 'Pflegedienst',
         'Dachdeckerei'], seed || 'bn') || ' ' || familienname),
       pg_temp.field('grund', 'Grund der Abmeldung', melde.pick(ARRAY['Aufgabe des Betriebs',
         'Verlegung in eine andere Gemeinde', 'Übergabe an eine Nachfolgerin / einen Nachfolger'], seed || 'gr')),
       pg_temp.field('datum', 'Datum der Abmeldung', (received::date + melde.num(seed || 'da', 30))::text))
     END AS applicant
FROM oa;

-- The decision of the items already processed, with the clerk's note.
CREATE TEMP TABLE oa_decision AS
SELECT id, status, clerk, claimed_at + (10 + melde.num(seed || 'dt', 80)) * interval '1 minute' AS decided_at,
       CASE
         WHEN status = 'approved' THEN melde.pick(ARRAY['Geprüft und bearbeitet.',
           'Unterlagen vollständig, Angaben stimmen mit dem Melderegister überein.',
           'Bearbeitet, Bestätigung an die antragstellende Person versandt.'], seed || 'no')
         WHEN status = 'rejected' THEN melde.pick(ARRAY['Antrag doppelt eingereicht.',
           'Angaben stimmen nicht mit dem Ausweisdokument überein.',
           'Antrag von der antragstellenden Person zurückgezogen.'], seed || 'no')
         WHEN kind IN ('Wohnsitzanmeldung', 'Ummeldung innerhalb der Gemeinde')
           THEN 'Bitte die Wohnungsgeberbestätigung nachreichen.'
         WHEN kind = 'Abmeldung' THEN 'Bitte die neue Anschrift im Ausland vollständig angeben.'
         WHEN kind = 'Antrag auf Meldebescheinigung' THEN 'Bitte den Verwendungszweck genauer angeben.'
         ELSE 'Bitte eine Kopie der Erlaubnis oder der Handwerkskarte nachreichen.'
       END AS note
FROM oa WHERE status <> 'open';

INSERT INTO antraege.items (ags, id, kind, title, received, status, applicant, refs, decision, note, decided_by,
                            decided_at)
SELECT :'ags', oa.id, oa.kind, oa.kind || ' – ' || oa.familienname || ', ' || split_part(oa.vornamen, ' ', 1),
       oa.received, oa.status, ap.applicant,
       jsonb_build_array(jsonb_build_object('register', 'melderegister', 'id', oa.person_id, 'label',
         CASE WHEN oa.kind LIKE 'Gewerbe%' THEN 'Gewerbetreibende/r (Melderegister)'
              ELSE 'Antragsteller/in (Melderegister)' END)),
       d.status, d.note, d.clerk, d.decided_at
FROM oa JOIN oa_applicant ap USING (id) LEFT JOIN oa_decision d USING (id);

-- Attachments by kind, some only sometimes (probability in percent); sizes plausible, digests of a made-up
-- content.
INSERT INTO antraege.attachments (ags, item_id, name, media_type, size_bytes, sha256)
SELECT :'ags', oa.id, f.name, f.media_type, f.min_size + melde.num(oa.seed || f.name || 's', f.max_size - f.min_size),
       encode(sha256(convert_to(:'ags' || '/' || oa.id || '/' || f.name, 'UTF8')), 'hex')
FROM oa JOIN (VALUES
  ('Wohnsitzanmeldung', 'Wohnungsgeberbestätigung.pdf', 'application/pdf', 60000, 400000, 100),
  ('Wohnsitzanmeldung', 'Personalausweis (Vorderseite).jpg', 'image/jpeg', 800000, 3500000, 100),
  ('Wohnsitzanmeldung', 'Personalausweis (Rückseite).jpg', 'image/jpeg', 800000, 3500000, 90),
  ('Ummeldung innerhalb der Gemeinde', 'Wohnungsgeberbestätigung.pdf', 'application/pdf', 60000, 400000, 100),
  ('Ummeldung innerhalb der Gemeinde', 'Personalausweis (Vorderseite).jpg', 'image/jpeg', 800000, 3500000, 100),
  ('Abmeldung', 'Personalausweis (Vorderseite).jpg', 'image/jpeg', 800000, 3500000, 60),
  ('Antrag auf Meldebescheinigung', 'Vollmacht.pdf', 'application/pdf', 40000, 200000, 20),
  ('Gewerbeanmeldung', 'Personalausweis (Vorderseite).jpg', 'image/jpeg', 800000, 3500000, 100),
  ('Gewerbeanmeldung', 'Handwerkskarte.pdf', 'application/pdf', 100000, 600000, 40),
  ('Gewerbeummeldung', 'Mietvertrag Gewerberäume.pdf', 'application/pdf', 300000, 2500000, 70),
  ('Gewerbeabmeldung', 'Gewerbeanmeldung (Kopie).pdf', 'application/pdf', 80000, 300000, 50)
) AS f(kind, name, media_type, min_size, max_size, percent) ON f.kind = oa.kind
WHERE melde.num(oa.seed || f.name, 100) < f.percent;

-- History: received from the applicant; for processed items, claimed by a clerk and decided.
INSERT INTO antraege.history (ags, item_id, at, status, actor, note)
SELECT :'ags', id, received, 'open', 'antragsteller', 'Antrag online eingegangen' FROM oa
UNION ALL
SELECT :'ags', id, claimed_at, 'claimed', clerk, '' FROM oa WHERE status <> 'open'
UNION ALL
SELECT :'ags', id, decided_at, status, clerk, note FROM oa_decision
ORDER BY 2, 3;

DROP TABLE oa, oa_applicant, oa_decision;
