-- The DPO's side: review queries, the signing keys a log was signed with, and retention.
--
-- Review: a person's report asks for events that disclosed or withheld a record; case references are searched
-- by DPOs and by the helpers' inbox.
CREATE INDEX IF NOT EXISTS events_withheld ON regfed_audit.events USING gin (withheld);
CREATE INDEX IF NOT EXISTS events_case_ref ON regfed_audit.events (case_ref) WHERE case_ref IS NOT NULL;

-- Every key that signed tree heads of a node's log, kept so an auditor can fetch the key history; the node
-- records its key when it opens the log.
CREATE TABLE regfed_audit.signing_keys (
  node        text        NOT NULL,
  key_id      text        NOT NULL,
  public_key  text        NOT NULL,
  first_used  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (node, key_id)
);
CREATE TRIGGER signing_keys_append_only BEFORE UPDATE OR DELETE ON regfed_audit.signing_keys
  FOR EACH ROW EXECUTE FUNCTION regfed_audit.refuse_change();

-- Retention. A pruned event keeps its place in the tree: node, seq, time, leaf hash and format stay (so the
-- signed heads still verify), the figures stay (action, owner, register, decision, reason, counts), and what
-- names persons or cases goes. Only the pruning role may do it (column privileges name what it may clear),
-- and only in that shape, once per event (checked below).
ALTER TABLE regfed_audit.events ADD COLUMN pruned_at timestamptz;

CREATE OR REPLACE FUNCTION regfed_audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'events' AND OLD.pruned_at IS NULL AND NEW.pruned_at IS NOT NULL
     AND NEW.node = OLD.node AND NEW.seq = OLD.seq AND NEW.time = OLD.time AND NEW.leaf_hash = OLD.leaf_hash
     AND NEW.format = OLD.format AND NEW.request_id = OLD.request_id AND NEW.actor_ags = OLD.actor_ags
     AND NEW.roles = OLD.roles AND NEW.action = OLD.action
     AND NEW.owner_ags IS NOT DISTINCT FROM OLD.owner_ags AND NEW.register IS NOT DISTINCT FROM OLD.register
     AND NEW.mandate IS NOT DISTINCT FROM OLD.mandate AND NEW.result_count = OLD.result_count
     AND NEW.decision = OLD.decision AND NEW.reason = OLD.reason AND NEW.emergency = OLD.emergency
     AND NEW.peer IS NOT DISTINCT FROM OLD.peer
     AND NEW.actor = '' AND NEW.purpose IS NULL AND NEW.case_ref IS NULL AND NEW.criteria IS NULL
     AND NEW.subjects = '{}' AND NEW.withheld = '{}' AND NEW.fields = OLD.fields AND NEW.correlation_id IS NULL
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'regfed audit rows are append-only (% on %)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

-- What retention removed and when, for the DPO: one row per run and category (append-only).
CREATE TABLE regfed_audit.prunings (
  id          bigserial   PRIMARY KEY,
  node        text        NOT NULL,
  category    text        NOT NULL,
  cutoff      timestamptz NOT NULL,  -- events stored before this time were pruned
  events      bigint      NOT NULL,  -- how many events this run pruned
  first_seq   bigint,
  last_seq    bigint,
  pruned_by   text        NOT NULL DEFAULT current_user,
  pruned_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER prunings_append_only BEFORE UPDATE OR DELETE ON regfed_audit.prunings
  FOR EACH ROW EXECUTE FUNCTION regfed_audit.refuse_change();
