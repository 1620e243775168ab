-- The client's own X-Request-Id, kept for correlation only (the node always makes the request id itself), and the
-- canonical-form version 3 that hashes it. Events of formats 1 and 2 still verify as they were written.
ALTER TABLE regfed_audit.events ADD COLUMN correlation_id text;
ALTER TABLE regfed_audit.events DROP CONSTRAINT events_format_check;
ALTER TABLE regfed_audit.events ADD CONSTRAINT events_format_check CHECK (format IN (1, 2, 3));
-- Search-before-get: "which searches disclosed this record to this person under this mandate" is answered from the
-- log itself (the GIN index on subjects finds the events of one record).
CREATE INDEX events_mandate ON regfed_audit.events (mandate) WHERE mandate IS NOT NULL;
