-- Records a request hit but that were withheld (Auskunftssperre, §51/§52 BMG), and the canonical-form version
-- each event was hashed with, so events written before this migration still verify.
ALTER TABLE regfed_audit.events ADD COLUMN format smallint NOT NULL DEFAULT 1 CHECK (format IN (1, 2));
ALTER TABLE regfed_audit.events ADD COLUMN withheld text[] NOT NULL DEFAULT '{}';
