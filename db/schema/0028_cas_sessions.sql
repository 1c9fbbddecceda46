/* Issue 45: sign-on by CAS 3.0. A session begun from a CAS service ticket keeps that ticket's
   SHA-256, so the CAS server's single logout (a logoutRequest naming the ticket) ends exactly that
   session, in every web process. */
alter table epi_private.web_session add column sso_ticket bytea check (sso_ticket is null or octet_length(sso_ticket) = 32);
create index web_session_sso_ticket on epi_private.web_session (sso_ticket) where sso_ticket is not null;
comment on column epi_private.web_session.sso_ticket is 'SHA-256 of the CAS service ticket the session began from (single logout ends it).';
