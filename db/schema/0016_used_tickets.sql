/* Issue 25, point 3: an OA sign-on ticket (?ticket=) is accepted once. The SHA-256 of its jti (or of
   the whole ticket when it has none) is kept until the ticket expires; a used sign-on ticket is
   refused as a bearer token too. No unit-level data (a hash and a time): reached by no runtime role
   except through epi.ticket_use / epi.ticket_used (security definer), which the web login calls
   before it acts as anyone. */
create table epi_private.used_ticket (
  key        bytea primary key,
  expires_at timestamptz not null
);
create index used_ticket_expires_idx on epi_private.used_ticket (expires_at);
comment on table epi_private.used_ticket is 'SHA-256 of the jti of each OA sign-on ticket used, kept until the ticket expires (one use each).';
