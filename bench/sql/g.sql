-- (g) in one statement: 20 public events by start after a cursor (bench/run.sh gives :ts and :id).
SELECT e.id, e.title, e.starts_at, e.city, o.name
FROM public.events e LEFT JOIN public.organisations o ON o.id = e.organiser_id
WHERE e.visibility = 'public' AND (e.starts_at, e.id) > (:ts, :id)
ORDER BY e.starts_at, e.id LIMIT 21;
