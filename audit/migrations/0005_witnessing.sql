-- Witnessing (C2SP tlog-witness). `cosignatures`: what this node's peers cosigned of its log, append-only like
-- the log itself. `witnessed`: per peer log, the newest head this node cosigned (its witness state, kept across
-- restarts so a restarted witness still refuses a head that is not an append-only extension of it).
CREATE TABLE regfed_audit.cosignatures (
  node        text        NOT NULL,
  size        bigint      NOT NULL CHECK (size >= 1),
  root        bytea       NOT NULL CHECK (length(root) = 32),
  witness     text        NOT NULL,
  witness_key bytea       NOT NULL CHECK (length(witness_key) = 32),
  timestamp   bigint      NOT NULL,
  signature   bytea       NOT NULL CHECK (length(signature) = 64),
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (node, size, witness)
);
CREATE TRIGGER cosignatures_append_only BEFORE UPDATE OR DELETE ON regfed_audit.cosignatures
  FOR EACH ROW EXECUTE FUNCTION regfed_audit.refuse_change();

CREATE TABLE regfed_audit.witnessed (
  log        text        PRIMARY KEY,
  size       bigint      NOT NULL CHECK (size >= 1),
  root       bytea       NOT NULL CHECK (length(root) = 32),
  log_key    text        NOT NULL,  -- the log's tree-head public key (PEM), pinned at the first cosignature
  timestamp  bigint      NOT NULL,
  signature  bytea       NOT NULL CHECK (length(signature) = 64),
  updated_at timestamptz NOT NULL DEFAULT now()
);
