-- Mandates across nodes. A mandate lives at its owning municipality's node; the node of the helper municipality
-- keeps a copy in the same table (owner_node names where the mandate lives), because the helper side's quota is
-- counted where the helper municipality lives and its revocations must stop forwarding at once.
--   pending = 'approve': this node's helper-side approval is reserved here (its support days count) and was
--     forwarded; settled when the owning node answers or, failing that, when its list shows the outcome after
--     pending_until.
--   pending = 'revoke': revoked here (nothing is forwarded under it any more); the owning node has not yet
--     confirmed, and the node keeps delivering the revocation until it does.
ALTER TABLE regfed.mandates ADD COLUMN owner_node text;
ALTER TABLE regfed.mandates ADD COLUMN pending text CHECK (pending IN ('approve', 'revoke'));
ALTER TABLE regfed.mandates ADD COLUMN pending_until timestamptz;
ALTER TABLE regfed.mandates ADD CONSTRAINT mandates_pending_remote
  CHECK (pending IS NULL OR owner_node IS NOT NULL);
