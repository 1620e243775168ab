-- The per-node append-only audit log and its signed tree heads.
CREATE SCHEMA IF NOT EXISTS regfed_audit;

CREATE TABLE regfed_audit.events (
  node          text        NOT NULL,
  seq           bigint      NOT NULL CHECK (seq >= 1),
  time          timestamptz NOT NULL,
  request_id    text        NOT NULL,
  actor         text        NOT NULL,
  actor_ags     text        NOT NULL,
  roles         text[]      NOT NULL,
  action        text        NOT NULL,
  owner_ags     text,
  register      text,
  purpose       text,
  case_ref      text,
  mandate       text,
  criteria      text,
  subjects      text[]      NOT NULL,
  fields        text[]      NOT NULL,
  result_count  integer     NOT NULL,
  decision      text        NOT NULL CHECK (decision IN ('allow', 'deny', 'error')),
  reason        text        NOT NULL,
  emergency     boolean     NOT NULL,
  leaf_hash     bytea       NOT NULL CHECK (length(leaf_hash) = 32),
  PRIMARY KEY (node, seq)
);
CREATE INDEX events_time ON regfed_audit.events (time);
CREATE INDEX events_actor ON regfed_audit.events (actor_ags, actor, time);
CREATE INDEX events_owner ON regfed_audit.events (owner_ags, register, time);
CREATE INDEX events_subjects ON regfed_audit.events USING gin (subjects);

CREATE TABLE regfed_audit.tree_heads (
  node       text        NOT NULL,
  size       bigint      NOT NULL CHECK (size >= 1),
  root       bytea       NOT NULL CHECK (length(root) = 32),
  time       timestamptz NOT NULL,
  key_id     text        NOT NULL,
  signature  bytea       NOT NULL,
  PRIMARY KEY (node, size)
);

-- Rows are never changed or removed through SQL, whoever asks; retention gets its own reviewed path later.
CREATE FUNCTION regfed_audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'regfed audit rows are append-only (% on %)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON regfed_audit.events
  FOR EACH ROW EXECUTE FUNCTION regfed_audit.refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON regfed_audit.events
  FOR EACH STATEMENT EXECUTE FUNCTION regfed_audit.refuse_change();
CREATE TRIGGER heads_append_only BEFORE UPDATE OR DELETE ON regfed_audit.tree_heads
  FOR EACH ROW EXECUTE FUNCTION regfed_audit.refuse_change();
CREATE TRIGGER heads_no_truncate BEFORE TRUNCATE ON regfed_audit.tree_heads
  FOR EACH STATEMENT EXECUTE FUNCTION regfed_audit.refuse_change();

REVOKE ALL ON ALL TABLES IN SCHEMA regfed_audit FROM PUBLIC;
