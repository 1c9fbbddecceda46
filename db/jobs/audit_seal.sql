/* audit_seal: every minute, chain the committed audit entries not yet sealed (as the jobs role). */
select epi.audit_seal();
