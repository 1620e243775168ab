-- Synthetic Melderegister for the demo: clearly fictitious persons (Steuer-IDs start with 0, which no real one
-- does), with realistic German names and addresses in the real towns. Deterministic: every value is derived from
-- a hash of (municipality, person number, attribute), so every run produces the same registers.
-- Run as a superuser against the demo database; creates schema "melde" with one table per municipality.

CREATE SCHEMA IF NOT EXISTS melde;
GRANT USAGE ON SCHEMA melde TO regfed_reader;

CREATE OR REPLACE FUNCTION melde.pick(options text[], seed text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT options[1 + (abs(hashtext(seed)::bigint) % array_length(options, 1))]
$$;

CREATE OR REPLACE FUNCTION melde.num(seed text, modulo integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT (abs(hashtext(seed)::bigint) % modulo)::integer
$$;

CREATE OR REPLACE FUNCTION melde.generate(ags text, prefix text, plz text, orte text[], strassen text[], persons integer)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  tbl text := format('melde.melderegister_%s', ags);
  nachnamen text[] := ARRAY['Müller','Schmidt','Schneider','Fischer','Weber','Meyer','Wagner','Becker','Schulz',
    'Hoffmann','Schäfer','Koch','Bauer','Richter','Klein','Wolf','Schröder','Neumann','Schwarz','Zimmermann',
    'Braun','Krüger','Hofmann','Hartmann','Lange','Schmitt','Werner','Schmitz','Krause','Meier','Lehmann',
    'Schmid','Schulze','Maier','Köhler','Herrmann','König','Walter','Mayer','Huber','Kaiser','Fuchs','Peters',
    'Lang','Scholz','Möller','Weiß','Jung','Hahn','Schubert','Vogel','Friedrich','Keller','Günther','Frank',
    'Berger','Winkler','Roth','Beck','Lorenz','Baumann','Franke','Albrecht','Schuster','Simon','Ludwig','Böhm',
    'Winter','Kraus','Martin','Schumacher','Krämer','Vogt','Stein','Jäger','Otto','Sommer','Groß','Seidel',
    'Heinrich','Brandt','Haas','Schreiber','Graf','Schulte','Dietrich','Ziegler','Kuhn','Kühn','Pohl','Engel',
    'Horn','Busch','Bergmann','Thomas','Voigt','Sauer','Arnold','Wolff','Pfeiffer','Mayr','Meißner','Kowalski',
    'Nowak','Yılmaz','Kovalenko','Popescu','Haddad'];
  frauen text[] := ARRAY['Anna','Maria','Emma','Mia','Sophie','Hannah','Lena','Lea','Marie','Emilia','Sabine',
    'Petra','Susanne','Claudia','Andrea','Monika','Karin','Birgit','Ute','Heike','Kerstin','Katrin','Anja',
    'Ursula','Renate','Christa','Ingrid','Gisela','Helga','Brigitte','Elke','Manuela','Franziska','Julia',
    'Laura','Lisa','Johanna','Charlotte','Greta','Ida','Frieda','Mathilda','Anneliese','Jana','Nicole','Sandra',
    'Stefanie','Melanie','Jessica','Christin'];
  maenner text[] := ARRAY['Peter','Michael','Thomas','Andreas','Wolfgang','Klaus','Jürgen','Frank','Uwe','Bernd',
    'Stefan','Ralf','Jörg','Torsten','Matthias','Dirk','Holger','Steffen','Sven','Jens','Hans','Karl','Günter',
    'Horst','Dieter','Manfred','Lukas','Leon','Finn','Paul','Jonas','Elias','Noah','Ben','Felix','Maximilian',
    'Tobias','Florian','Daniel','Martin','Christian','Alexander','Sebastian','Marcel','René','Mario','Enrico',
    'Ronny','Mike','Heinz'];
  geburtsorte text[] := ARRAY['Halle (Saale)','Leipzig','Merseburg','Weißenfels','Naumburg (Saale)','Zeitz',
    'Magdeburg','Dessau','Berlin','Dresden','Erfurt','Jena','Gera','Chemnitz','Bitterfeld','Querfurt',
    'Sangerhausen','Eisleben','Hamburg','München','Köln','Bernburg','Altenburg','Borna','Krakau','Kiew','Aleppo',
    'Bukarest','Istanbul','Hanoi'];
  staaten text[] := ARRAY['deutsch','deutsch','deutsch','deutsch','deutsch','deutsch','deutsch','deutsch',
    'deutsch','deutsch','deutsch','deutsch','deutsch','deutsch','deutsch','deutsch','polnisch','ukrainisch',
    'syrisch','rumänisch','türkisch','vietnamesisch'];
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS %s', tbl);
  EXECUTE format($t$CREATE TABLE %s (
      id text PRIMARY KEY, familienname text NOT NULL, vornamen text NOT NULL, geburtsname text,
      geburtsdatum date NOT NULL, geburtsort text, geschlecht text NOT NULL, staatsangehoerigkeit text,
      strasse text NOT NULL, hausnummer text NOT NULL, plz text NOT NULL, ort text NOT NULL, anschrift text NOT NULL,
      religion text, steuer_id text, auskunftssperre boolean NOT NULL DEFAULT false)$t$, tbl);
  EXECUTE format($c$COMMENT ON TABLE %s IS 'regfed demo: synthetic, fictitious persons'$c$, tbl);
  EXECUTE format($i$
    INSERT INTO %1$s
    SELECT id, familienname,
           CASE WHEN split_part(vornamen_raw, ' ', 1) = split_part(vornamen_raw, ' ', 2)
                THEN split_part(vornamen_raw, ' ', 1) ELSE vornamen_raw END,
           CASE WHEN geschlecht = 'w' AND melde.num(k || 'gb', 3) = 0 THEN melde.pick($2, k || 'gn') END,
           geburtsdatum, melde.pick($6, k || 'go'), geschlecht, melde.pick($7, k || 'st'),
           strasse, hausnummer, $3, ort, strasse || ' ' || hausnummer || ', ' || $3 || ' ' || ort,
           (ARRAY['evangelisch', 'römisch-katholisch', NULL, NULL, NULL])[1 + melde.num(k || 're', 5)],
           '0' || lpad(melde.num(k || 'tx', 1000000000)::text, 10, '0'),
           melde.num(k || 'sp', 100) = 0
    FROM (
      SELECT k, id, geschlecht,
             melde.pick($2, k || 'fn') AS familienname,
             CASE WHEN geschlecht = 'w' THEN melde.pick($4, k || 'v1') ELSE melde.pick($5, k || 'v1') END
               || CASE WHEN melde.num(k || 'v2n', 4) = 0
                       THEN ' ' || CASE WHEN geschlecht = 'w' THEN melde.pick($4, k || 'v2') ELSE melde.pick($5, k || 'v2') END
                       ELSE '' END AS vornamen_raw,
             date '1930-01-01' + melde.num(k || 'gd', 34700) AS geburtsdatum,
             melde.pick($8, k || 'sr') AS strasse,
             (1 + melde.num(k || 'hn', 120))::text || CASE WHEN melde.num(k || 'hz', 10) = 0 THEN 'a' ELSE '' END AS hausnummer,
             melde.pick($9, k || 'or') AS ort
      FROM (
        SELECT $10 || '/' || n AS k,
               $11 || '-' || lpad(n::text, 6, '0') AS id,
               (ARRAY['w', 'm', 'w', 'm', 'w', 'm', 'w', 'm', 'w', 'm', 'w', 'm', 'w', 'm', 'w', 'm', 'w', 'm', 'w', 'd'])
                 [1 + melde.num($10 || '/' || n || 'sx', 20)] AS geschlecht
        FROM generate_series(1, $12) AS n) p) q
  $i$, tbl) USING NULL::text, nachnamen, plz, frauen, maenner, geburtsorte, staaten, strassen, orte, ags, prefix, persons;
  EXECUTE format('CREATE INDEX ON %s (familienname, vornamen)', tbl);
  EXECUTE format('CREATE INDEX ON %s (geburtsdatum)', tbl);
  EXECUTE format('GRANT SELECT ON %s TO regfed_reader', tbl);
  EXECUTE format('ANALYZE %s', tbl);
END $fn$;

SELECT melde.generate('15084130', 'ELS', '06729', ARRAY['Elsteraue','Profen','Reuden','Tröglitz','Rehmsdorf','Draschwitz'],
  ARRAY['Hauptstraße','Bahnhofstraße','Lindenstraße','Schulstraße','Am Anger','Zeitzer Straße','Profener Straße',
        'Gartenstraße','Kirchweg','Thomas-Müntzer-Straße','Friedensstraße','Siedlung'], 10000);
SELECT melde.generate('15088205', 'LEU', '06237', ARRAY['Leuna','Günthersdorf','Kötzschau','Spergau','Kröllwitz','Zöschen'],
  ARRAY['Rathausstraße','Spergauer Straße','Kröllwitzer Straße','Rudolf-Breitscheid-Straße','Am Haupttor',
        'Merseburger Straße','Goethestraße','Schillerstraße','Friedrich-Ebert-Straße','Bahnhofstraße',
        'Lindenstraße','Waldstraße'], 10000);
SELECT melde.generate('15088150', 'KAB', '06184', ARRAY['Gröbers','Großkugel','Dieskau','Zwintschöna','Naundorf','Benndorf'],
  ARRAY['Hallesche Straße','Leipziger Straße','Dorfstraße','Am Park','Schulstraße','Kastanienallee',
        'Lindenstraße','Bahnhofstraße','Mühlweg','Gartenstraße','Birkenweg','Ringstraße'], 10000);
SELECT melde.generate('15088220', 'MER', '06217', ARRAY['Merseburg','Meuschau','Beuna','Geusa','Trebnitz'],
  ARRAY['Gotthardstraße','Breite Straße','Domplatz','König-Heinrich-Straße','Lauchstädter Straße','Weiße Mauer',
        'Oberaltenburg','Clobichauer Straße','Hallesche Straße','Geusaer Straße','Bahnhofstraße','Entenplan',
        'Thomas-Müntzer-Straße','Gutenbergstraße'], 10000);
SELECT melde.generate('15084355', 'NAU', '06618', ARRAY['Naumburg (Saale)','Bad Kösen','Flemmingen','Schellsitz','Grochlitz'],
  ARRAY['Markt','Jakobsstraße','Marienstraße','Lindenring','Weißenfelser Straße','Domplatz','Salzstraße',
        'Herrenstraße','Kösener Straße','Am Moritzberg','Bahnhofstraße','Schulstraße'], 10000);
SELECT melde.generate('15088330', 'SKP', '06258', ARRAY['Schkopau','Korbetha','Döllnitz','Hohenweiden','Ermlitz','Raßnitz'],
  ARRAY['Schulstraße','Hauptstraße','Bahnhofstraße','Am Schloss','Lindenstraße','Merseburger Straße',
        'Kirchstraße','Saaleweg','Gartenstraße','Feldweg','Rosenstraße','Dorfplatz'], 10000);
SELECT melde.generate('15084550', 'WSF', '06667', ARRAY['Weißenfels','Langendorf','Leißling','Markwerben','Uichteritz'],
  ARRAY['Marienstraße','Friedrichstraße','Jüdenstraße','Nikolaistraße','Große Burgstraße','Merseburger Straße',
        'Naumburger Straße','Promenade','Zeitzer Straße','Langendorfer Straße','Novalisstraße','Bahnhofstraße'], 10000);
SELECT melde.generate('15084590', 'ZTZ', '06712', ARRAY['Zeitz','Theißen','Luckenau','Kayna','Würchwitz'],
  ARRAY['Altmarkt','Rahnestraße','Wendische Straße','Badstubenvorstadt','Schützenstraße','Geraer Straße',
        'Naumburger Straße','Kalkstraße','Freiligrathstraße','Baenschstraße','Weißenfelser Straße','Am Rathaus'], 10000);
