/* Issue 45, point 4: sign-on from inside OA's frame. Identity providers refuse to be framed, so a
   framed sign-on goes on in a pop-up (top level, on the zone's own site) and its outcome is handed
   back to the frame — whose cookies are another partition (CHIPS) or blocked — through the server:
   the frame holds a secret (its key's SHA-256 here), the pop-up a public id (its SHA-256 here); the
   pop-up's sign-on leaves the user here with a one-time code, which the pop-up passes only to the
   window that opened it (postMessage to the zone's own origin); the frame brings secret and code
   and its session begins. Taken once, within 10 minutes. */
create table epi_private.sso_handoff (
  key        bytea       primary key check (octet_length(key) = 32),
  popup      bytea       not null unique check (octet_length(popup) = 32),
  method     text        not null check (method in ('cas', 'oidc')),
  next       text        not null default '/',
  created_at timestamptz not null default now(),
  code       bytea       check (octet_length(code) = 32),
  signed_on  jsonb,
  check ((code is null) = (signed_on is null))
);
comment on table epi_private.sso_handoff is
  'Sign-ons begun in OA''s frame and carried out in a pop-up: the frame''s key, the pop-up''s id, and once signed on the user and a one-time code (hashes).';

-- an OpenID Connect sign-on in the pop-up remembers which hand-off it completes
alter table epi_private.sso_state add column handoff bytea check (octet_length(handoff) = 32);
drop function if exists epi.sso_begin(bytea, text, text, text, text);
drop function if exists epi.sso_take(bytea);
