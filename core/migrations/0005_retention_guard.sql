-- Retention deletes only what is finished and old: closed alerts and closed reviews, and emergency windows that
-- ended, each at least 12 months back. An open alert or review is never deleted, by any role.
CREATE FUNCTION regfed.refuse_early_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- (PL/pgSQL resolves every field named in an expression, so each table gets its own branch.)
  IF TG_TABLE_NAME = 'emergency_activations' THEN
    IF OLD.ends_at < now() - interval '12 months' THEN
      RETURN OLD;
    END IF;
  ELSIF OLD.status = 'closed' AND OLD.closed_at < now() - interval '12 months' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'regfed.% rows are deleted only when closed (or ended) at least 12 months ago', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER alerts_retention BEFORE DELETE ON regfed.alerts
  FOR EACH ROW EXECUTE FUNCTION regfed.refuse_early_delete();
CREATE TRIGGER reviews_retention BEFORE DELETE ON regfed.reviews
  FOR EACH ROW EXECUTE FUNCTION regfed.refuse_early_delete();
CREATE TRIGGER emergency_activations_retention BEFORE DELETE ON regfed.emergency_activations
  FOR EACH ROW EXECUTE FUNCTION regfed.refuse_early_delete();
