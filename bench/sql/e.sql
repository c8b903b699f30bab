-- (e) the reads of shape (a) for a signed-in member. On PostgreSQL the hub keeps the sessions it
-- has seen (`auth::cache`), so after a session's first request only the page is read: the
-- member's page, which may also show events for partners and her organisation's own.
SELECT e.id, e.title, e.starts_at, e.ends_at, e.city, o.name
FROM public.events e LEFT JOIN public.organisations o ON o.id = e.organiser_id
WHERE e.visibility IN ('public', 'partners') OR (e.visibility = 'organisation' AND e.organiser_id = :org)
ORDER BY e.starts_at, e.id LIMIT 51;
