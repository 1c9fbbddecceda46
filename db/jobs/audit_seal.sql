/* audit_seal: every minute, chain the committed audit entries not yet sealed (as the jobs role), and
   end OA reader logins' transactions older than their limit (PostgreSQL before 17 has no
   transaction_timeout; issue 44). */
select epi.audit_seal(), epi.end_long_oa_transactions();
