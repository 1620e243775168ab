-- Alerts have a lifecycle: a DPO acknowledges an alert (seen, being looked into) and closes it with an outcome.
-- Alerts raised by the node's detectors (bursts of denials, attempts outside a mandate, unusual volume) name
-- the window they looked at, so one burst raises one alert.
ALTER TABLE regfed.alerts ADD COLUMN status text NOT NULL DEFAULT 'open'
  CHECK (status IN ('open', 'acknowledged', 'closed'));
ALTER TABLE regfed.alerts ADD COLUMN acknowledged_by text;
ALTER TABLE regfed.alerts ADD COLUMN acknowledged_at timestamptz;
ALTER TABLE regfed.alerts ADD COLUMN closed_by text;
ALTER TABLE regfed.alerts ADD COLUMN closed_at timestamptz;
ALTER TABLE regfed.alerts ADD COLUMN outcome text;
CREATE INDEX alerts_status ON regfed.alerts (owner_ags, status);
