-- (f) in one statement: insert one event (the hub also writes its audit entry and search outbox row).
INSERT INTO public.events (id, title, starts_at, all_day, timezone, open_to_public, organiser_id, audiences, tags,
                           status, visibility, created_at, updated_at)
VALUES (gen_random_uuid(), 'Atelier pgbench', '2027-03-01T09:00:00Z', false, 'Europe/Paris', true, :org,
        '[]', '[]', 'scheduled', 'public', now(), now());
