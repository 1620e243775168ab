-- Emergency access rests on emergency mandates (agreed and approved in advance like support mandates) and is
-- opened by a named responder for one window a day. The old windows keyed by sign-in are gone with the request
-- flag that opened them.
ALTER TABLE regfed.mandates ADD COLUMN kind text NOT NULL DEFAULT 'support'
  CHECK (kind IN ('support', 'emergency'));
DROP TABLE regfed.emergency_windows;
CREATE TABLE regfed.emergency_activations (
  mandate    text        NOT NULL REFERENCES regfed.mandates (id),
  actor      text        NOT NULL,
  actor_ags  text        NOT NULL,
  day        date        NOT NULL,  -- Europe/Berlin day it was opened: one window per responder, mandate and day
  opened_at  timestamptz NOT NULL DEFAULT now(),
  ends_at    timestamptz NOT NULL CHECK (ends_at > opened_at),
  reason     text        NOT NULL,
  PRIMARY KEY (mandate, actor, actor_ags, day)
);
