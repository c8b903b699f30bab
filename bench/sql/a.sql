-- (a) in one statement: the first 50 public events by start, with the organiser's name.
SELECT e.id, e.title, e.starts_at, e.ends_at, e.city, o.name
FROM public.events e LEFT JOIN public.organisations o ON o.id = e.organiser_id
WHERE e.visibility = 'public'
ORDER BY e.starts_at, e.id LIMIT 51;
