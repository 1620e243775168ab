-- Synthetic Gewerberegister rows as JSON lines (one object per line), for the jsonl adapter. Deterministic.
-- Usage: psql -v ags=15088220 -v prefix=MER -v ort=Merseburg -v plz=06217 -At -f gewerberegister.sql > file.jsonl
SELECT json_build_object(
  'id', 'GEW-' || :'prefix' || '-' || lpad(n::text, 5, '0'),
  'betriebsname', melde.pick(ARRAY['Bäckerei','Fleischerei','Friseursalon','Elektro','Malerbetrieb','Kfz-Werkstatt',
                   'Gaststätte','Café','Blumenladen','Dachdeckerei','Tischlerei','Pflegedienst','IT-Service',
                   'Fahrschule','Reinigungsdienst','Hausmeisterservice'], :'ags' || n || 'b')
                  || ' ' || melde.pick(ARRAY['Müller','Schmidt','Krause','Lehmann','Voigt','Richter','Wolf','König',
                   'Seidel','Günther','Zimmermann','Hartmann'], :'ags' || n || 'i'),
  'inhaber', melde.pick(ARRAY['Müller','Schmidt','Krause','Lehmann','Voigt','Richter','Wolf','König','Seidel',
              'Günther','Zimmermann','Hartmann'], :'ags' || n || 'i') || ', '
             || melde.pick(ARRAY['Anna','Peter','Sabine','Thomas','Katrin','Uwe','Julia','Jens'], :'ags' || n || 'v'),
  'rechtsform', melde.pick(ARRAY['Einzelunternehmen','Einzelunternehmen','Einzelunternehmen','GbR','GmbH','UG (haftungsbeschränkt)','e.K.'], :'ags' || n || 'r'),
  'taetigkeit', melde.pick(ARRAY['Herstellung und Verkauf von Backwaren','Friseurhandwerk','Elektroinstallation',
                 'Maler- und Lackiererarbeiten','Reparatur von Kraftfahrzeugen','Ausschank von Getränken und Speisen',
                 'Einzelhandel mit Blumen','Dachdeckerarbeiten','Tischlerei','ambulante Pflege','IT-Dienstleistungen',
                 'Fahrschulunterricht','Gebäudereinigung','Hausmeisterdienste'], :'ags' || n || 't'),
  'strasse', melde.pick(ARRAY['Hauptstraße','Bahnhofstraße','Markt','Lindenstraße','Gewerbepark','Schulstraße',
              'Am Anger','Industriestraße'], :'ags' || n || 's') || ' ' || (1 + melde.num(:'ags' || n || 'h', 80)),
  'plz', :'plz',
  'ort', :'ort',
  'anmeldedatum', (date '1991-01-01' + melde.num(:'ags' || n || 'd', 12700))::text,
  'status', CASE WHEN melde.num(:'ags' || n || 'x', 6) = 0 THEN 'abgemeldet' ELSE 'aktiv' END,
  'mitarbeiter', melde.num(:'ags' || n || 'm', 40),
  'steuernummer', '0' || lpad(melde.num(:'ags' || n || 'sn', 1000000000)::text, 12, '0')
)
FROM generate_series(1, 600) AS n;
