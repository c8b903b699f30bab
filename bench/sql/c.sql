-- (c) in one statement: 20 organisations by slug, each with its first 10 public events.
SELECT o.id, o.name, e.id, e.title, e.starts_at
FROM (SELECT id, name, slug FROM public.organisations ORDER BY slug, id LIMIT 21) o
LEFT JOIN LATERAL (SELECT id, title, starts_at FROM public.events e
                   WHERE e.organiser_id = o.id AND e.visibility = 'public'
                   ORDER BY starts_at, id LIMIT 11) e ON true;
