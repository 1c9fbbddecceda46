-- Sign-on by CAS and OpenID Connect (web/sso.py).

-- name: sso_unit_active
-- Asked acting as the unit a sign-on names: the unit's own row is all a unit sees (the policy
-- "Units see their own unit"), so no row means no such unit in the zone.
select active from epi.unit;
