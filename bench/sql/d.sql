-- (d) in one statement: the total and the first page of a filtered list.
SELECT (SELECT count(*) FROM public.events e
        WHERE e.visibility = 'public' AND e.region = 'auvergne_rhone_alpes' AND e.open_to_public
          AND e.starts_at >= '2025-01-01T00:00:00Z' AND e.audiences @> '["lycee"]') AS total,
       p.*, o.name
FROM (SELECT e.id, e.title, e.starts_at, e.city, e.organiser_id FROM public.events e
      WHERE e.visibility = 'public' AND e.region = 'auvergne_rhone_alpes' AND e.open_to_public
        AND e.starts_at >= '2025-01-01T00:00:00Z' AND e.audiences @> '["lycee"]'
      ORDER BY e.starts_at, e.id LIMIT 21) p
LEFT JOIN public.organisations o ON o.id = p.organiser_id;
