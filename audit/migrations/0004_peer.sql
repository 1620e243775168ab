-- Federation: the other node of a request that crossed nodes (at the home node the node that answered, at the
-- owning node the node that asked on the person's behalf), and the canonical-form version 4 that hashes it.
-- Events of formats 1 to 3 still verify as they were written.
ALTER TABLE regfed_audit.events ADD COLUMN peer text;
ALTER TABLE regfed_audit.events DROP CONSTRAINT events_format_check;
ALTER TABLE regfed_audit.events ADD CONSTRAINT events_format_check CHECK (format IN (1, 2, 3, 4));
-- Following one request across nodes: every event with a request id, at each node.
CREATE INDEX IF NOT EXISTS events_request_id ON regfed_audit.events (request_id);
