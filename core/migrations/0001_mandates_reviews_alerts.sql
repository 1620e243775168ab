-- Support mandates, manual-processing reviews (blocked records), DPO alerts, emergency windows.
CREATE TABLE regfed.mandates (
  id                 text PRIMARY KEY,
  owner_ags          text    NOT NULL,
  helper_ags         text    NOT NULL CHECK (helper_ags <> owner_ags),
  helpers            text[]  NOT NULL CHECK (cardinality(helpers) > 0),
  registers          text[]  NOT NULL,
  procedures         text[]  NOT NULL,
  operations         text[]  NOT NULL CHECK (cardinality(operations) > 0),
  fields             text[]  NOT NULL,
  purpose            text    NOT NULL,
  agreement          text    NOT NULL,
  valid_from         date    NOT NULL,
  valid_until        date    NOT NULL CHECK (valid_until >= valid_from),
  created_by         text    NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  owner_approved_by  text,
  owner_approved_at  timestamptz,
  helper_approved_by text,
  helper_approved_at timestamptz,
  revoked_by         text,
  revoked_at         timestamptz,
  revoked_on         date
);
CREATE INDEX mandates_helper ON regfed.mandates (helper_ags, agreement);

CREATE TABLE regfed.mandate_ids (year integer PRIMARY KEY, last integer NOT NULL);

CREATE TABLE regfed.reviews (
  id          bigserial PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now(),
  request_id  text NOT NULL,
  owner_ags   text NOT NULL,
  register    text NOT NULL,
  record_id   text NOT NULL,
  actor       text NOT NULL,
  actor_ags   text NOT NULL,
  purpose     text,
  case_ref    text,
  mandate     text,
  status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  closed_by   text,
  closed_at   timestamptz,
  outcome     text
);
CREATE INDEX reviews_open ON regfed.reviews (owner_ags, status);

CREATE TABLE regfed.alerts (
  id          bigserial PRIMARY KEY,
  time        timestamptz NOT NULL DEFAULT now(),
  owner_ags   text NOT NULL,
  kind        text NOT NULL,
  request_id  text,
  actor       text,
  actor_ags   text,
  detail      text NOT NULL
);
CREATE INDEX alerts_owner ON regfed.alerts (owner_ags, time);

-- One window per sign-in (the token's issue time): it opens on the first emergency request and lasts a fixed time.
CREATE TABLE regfed.emergency_windows (
  actor      text   NOT NULL,
  actor_ags  text   NOT NULL,
  token_iat  bigint NOT NULL,
  opened_at  timestamptz NOT NULL DEFAULT now(),
  reason     text   NOT NULL,
  PRIMARY KEY (actor, actor_ags, token_iat)
);
