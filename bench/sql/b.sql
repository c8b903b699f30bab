-- (b) in one statement: one public event by id with its organiser.
SELECT e.id, e.title, e.description, e.location_name, e.city, e.region, e.starts_at, e.ends_at, e.all_day,
       e.open_to_public, e.url, e.source_uid, o.id, o.name
FROM public.events e LEFT JOIN public.organisations o ON o.id = e.organiser_id
WHERE e.id = 'fdc3f116-9f99-dce6-3429-3eac7ddbba73' AND e.visibility = 'public';
