-- Claims on work items of procedures as this node knows them. The procedure itself is the authority on who
-- holds an item; these rows say under which mandate, so that a revoked or ended mandate releases the item and
-- an idle claim lapses ('owner': at the node hosting the procedure), and which items a node's own people hold
-- at other nodes, so that their register lookups default their case reference to the item ('home').
CREATE TABLE regfed.claims (
  side text NOT NULL CHECK (side IN ('owner', 'home')),
  owner_ags text NOT NULL,
  procedure text NOT NULL,
  item_id text NOT NULL,
  actor text NOT NULL,
  actor_ags text NOT NULL,
  mandate text,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  expires timestamptz NOT NULL,
  PRIMARY KEY (side, owner_ags, procedure, item_id)
);
CREATE INDEX claims_actor ON regfed.claims (actor_ags, actor);
CREATE INDEX claims_expires ON regfed.claims (expires);
