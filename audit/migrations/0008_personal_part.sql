-- Canonical form 5 hashes an event's personal part (who asked, why, about whom: actor, purpose, case reference,
-- criteria, record ids, correlation id) on its own and puts that digest into the leaf. The digest is stored with
-- the event, so retention can clear the personal part while every other column stays bound to the leaf hash and
-- the signed heads — a pruned event still proves its decision, owner, fields and counts.
ALTER TABLE regfed_audit.events ADD COLUMN personal_hash bytea CHECK (personal_hash IS NULL OR length(personal_hash) = 32);
ALTER TABLE regfed_audit.events DROP CONSTRAINT events_format_check;
ALTER TABLE regfed_audit.events ADD CONSTRAINT events_format_check CHECK (format IN (1, 2, 3, 4, 5));

-- Pruning, the one change the trigger allows: only events of format 5, only at least 12 months after they were
-- written (the shortest retention any category has; §40 BMG), only the personal part, once.
CREATE OR REPLACE FUNCTION regfed_audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'events' AND OLD.pruned_at IS NULL AND NEW.pruned_at IS NOT NULL
     AND OLD.format >= 5 AND OLD.personal_hash IS NOT NULL AND NEW.personal_hash = OLD.personal_hash
     AND OLD.time < now() - interval '12 months'
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

-- A pruning run is recorded as it happened: its time and role are the database's (the pruning role may insert
-- only the other columns), and its cut-off lies at least 12 months back.
CREATE FUNCTION regfed_audit.check_pruning() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.cutoff > now() - interval '12 months' OR NEW.first_seq > NEW.last_seq OR NEW.events < 0 THEN
    RAISE EXCEPTION 'a pruning run must cut off at least 12 months back (cut-off %)', NEW.cutoff
      USING ERRCODE = 'check_violation';
  END IF;
  NEW.pruned_at := now();
  NEW.pruned_by := current_user;
  RETURN NEW;
END $$;
CREATE TRIGGER prunings_checked BEFORE INSERT ON regfed_audit.prunings
  FOR EACH ROW EXECUTE FUNCTION regfed_audit.check_pruning();
