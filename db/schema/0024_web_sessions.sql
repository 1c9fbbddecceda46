/* Issue 43, point 1: sessions end when the user leaves. A browser's session is a row here, which
   every web process shares: the cookie carries only a random session id (its SHA-256 is the key),
   and each request asks epi.session_check whether the row still lives — 退出, the idle limit and the
   absolute limit end it for every copy of the cookie, and the CSRF token kept in that cookie with
   it. Ended and expired rows are purged as new sessions begin. No personal data: the account only. */
create table epi_private.web_session (
  key        bytea       primary key check (octet_length(key) = 32),
  account    text        not null,
  started_at timestamptz not null default now(),
  seen_at    timestamptz not null default now(),
  ended_at   timestamptz,
  end_reason text check (end_reason in ('logout', 'idle', 'absolute', 'switch'))
);
create index web_session_purge on epi_private.web_session (seen_at);
comment on table epi_private.web_session is
  'The web app''s sessions (SHA-256 of the cookie''s session id): started, last seen, ended and why.';
