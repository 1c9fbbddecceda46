/* Issue 45: sign-on by OpenID Connect. The state of a sign-on under way — its nonce, its PKCE code
   verifier and the page to go on to — is kept in the database, keyed by the SHA-256 of the `state`
   sent to the provider, not in the cookie: inside OA's frame a partitioned or blocked cookie would
   lose it, and a second web process must find it. Taken once, within 10 minutes. */
create table epi_private.sso_state (
  key        bytea       primary key check (octet_length(key) = 32),
  method     text        not null check (method in ('oidc')),
  nonce      text        not null,
  verifier   text        not null,
  next       text        not null default '/',
  created_at timestamptz not null default now()
);
comment on table epi_private.sso_state is 'Sign-ons under way (OpenID Connect): nonce, PKCE verifier and the page to go on to, by the SHA-256 of state.';
