-- The client's own X-Request-Id, kept for correlation only (the node always makes the request id itself), and the
-- canonical-form version 3 that hashes it. Events of formats 1 and 2 still verify as they were written.
ALTER TABLE regfed_audit.events ADD COLUMN correlation_id text;
ALTER TABLE regfed_audit.events DROP CONSTRAINT events_format_check;
ALTER TABLE regfed_audit.events ADD CONSTRAINT events_format_check CHECK (format IN (1, 2, 3));
-- Search-before-get: "did a search disclose this record to this person under this mandate" is answered from the log
-- itself, through the person's own events under the mandate (not through the record's, which would make the
-- answer's timing depend on how often others saw the record).
CREATE INDEX events_mandate_actor ON regfed_audit.events (mandate, actor_ags, actor) WHERE mandate IS NOT NULL;
