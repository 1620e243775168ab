-- The Merkle frontier at each signed tree head (the roots of the perfect subtrees, largest first): a node opening
-- a log of millions of events continues from the newest head's frontier instead of reading every leaf. The
-- frontier must reproduce the signed root, so a changed frontier is refused like a changed head; `regfed audit
-- verify` still recomputes everything.
ALTER TABLE regfed_audit.tree_heads ADD COLUMN frontier bytea;
