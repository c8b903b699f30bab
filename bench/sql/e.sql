-- (e) the reads of shape (a) for a signed-in member: the session with its account, then (a).
SELECT s.secret_hash, s.last_used_at, u.role, u.organisation_id, u.disabled
FROM public.sessions s JOIN public.users u ON u.id = s.user_id
WHERE s.id = :sid AND s.revoked_at IS NULL AND s.expires_at > now();
SELECT e.id, e.title, e.starts_at, e.ends_at, e.city, o.name
FROM public.events e LEFT JOIN public.organisations o ON o.id = e.organiser_id
WHERE e.visibility IN ('public', 'partners') OR (e.visibility = 'organisation' AND e.organiser_id = :org)
ORDER BY e.starts_at, e.id LIMIT 51;
