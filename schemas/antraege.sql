-- Online-Anträge: the work items a municipality receives from its online services, served to regfed by the
-- antraege procedure adapter (adapters/antraege). One schema may hold the items of several municipalities
-- (column ags); the adapter's option "municipality" selects one. Idempotent: running it again leaves what exists
-- as it is. The adapter's role needs no more than this (what the application arrived with — applicant data,
-- the register records it refers to, attachments — stays as the online service wrote it; a helper who holds an
-- item opens the records it refers to without a search, so the node's role must not be able to add any):
--   GRANT USAGE ON SCHEMA antraege TO <role>;
--   GRANT SELECT ON antraege.items, antraege.attachments, antraege.history TO <role>;
--   GRANT UPDATE (status, decision, note, decided_by, decided_at, claim_holder, claim_since, claim_expires)
--     ON antraege.items TO <role>;
--   GRANT INSERT ON antraege.history TO <role>;
-- Never DELETE: a decision is a row change and a history row, nothing is removed.
--
-- Times are timestamptz; the adapter takes every time it writes from the database clock (now()), so nodes with
-- skewed clocks still agree on when a claim lapses.

CREATE SCHEMA IF NOT EXISTS antraege;

CREATE TABLE IF NOT EXISTS antraege.items (
  ags text NOT NULL CHECK (ags ~ '^[0-9]{8}$'),
  id text NOT NULL CHECK (id <> ''),
  kind text NOT NULL,
  title text NOT NULL,
  received timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'needs_info', 'approved', 'rejected')),
  -- What the applicant entered: [{"name": "familienname", "label": "Familienname", "value": "Müller"}, ...]
  applicant jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(applicant) = 'array'),
  -- Register records the application refers to: [{"register": "melderegister", "id": "MER-000123",
  -- "label": "Antragsteller/in (Melderegister)"}, ...]
  refs jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(refs) = 'array'),
  -- The claim: who processes the item right now, and until when (a lapsed claim counts as none).
  claim_holder text,
  claim_since timestamptz,
  claim_expires timestamptz,
  -- The last decision on the item, its note, and who made it when.
  decision text CHECK (decision IN ('approved', 'rejected', 'needs_info')),
  note text CHECK (char_length(note) <= 2000),
  decided_by text,
  decided_at timestamptz,
  PRIMARY KEY (ags, id),
  CONSTRAINT items_claim_complete CHECK (
    (claim_holder IS NULL AND claim_since IS NULL AND claim_expires IS NULL) OR
    (claim_holder IS NOT NULL AND claim_since IS NOT NULL AND claim_expires IS NOT NULL)),
  -- Only open items are processed; a decision ends the claim.
  CONSTRAINT items_claim_only_open CHECK (claim_holder IS NULL OR status = 'open')
);
-- The inbox: one municipality's items in one status, oldest first (the adapter's list and its paging order).
CREATE INDEX IF NOT EXISTS items_inbox ON antraege.items (ags, status, received, id);

CREATE TABLE IF NOT EXISTS antraege.attachments (
  ags text NOT NULL,
  item_id text NOT NULL,
  name text NOT NULL,
  media_type text NOT NULL,
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (ags, item_id, name),
  FOREIGN KEY (ags, item_id) REFERENCES antraege.items (ags, id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS antraege.history (
  -- Orders changes that share a timestamp (now() is the same for every row of one transaction).
  seq bigint GENERATED ALWAYS AS IDENTITY,
  ags text NOT NULL,
  item_id text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  -- The item's status after the change, or 'claimed' / 'released'.
  status text NOT NULL CHECK (status IN ('open', 'needs_info', 'approved', 'rejected', 'claimed', 'released')),
  -- Who: a claim holder ("user@ags"), or 'antragsteller' / 'system'.
  actor text NOT NULL,
  note text NOT NULL DEFAULT '',
  PRIMARY KEY (ags, item_id, seq),
  FOREIGN KEY (ags, item_id) REFERENCES antraege.items (ags, id) ON DELETE CASCADE
);

COMMENT ON TABLE antraege.items IS 'Online-Anträge: work items served by the regfed antraege procedure adapter';
COMMENT ON TABLE antraege.history IS 'Every change of an item, appended in the transaction that made it';
