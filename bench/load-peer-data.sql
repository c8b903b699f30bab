-- Copies the PostGraphile peer's benchmark data (schema `hub`, made by
-- ../shared/tools/peer-postgraphile/seed.sql) into Passerelle's own tables (schema `public`,
-- made by `passerelle migrate`) in the same database, so both servers answer from the same rows
-- on the same PostgreSQL. Ids are kept, so the same event id works in both query sets.
-- Usage: psql -X -v ON_ERROR_STOP=1 -f bench/load-peer-data.sql postgres://hub:hub@127.0.0.1:5432/peer_bench
BEGIN;
-- CASCADE also empties the tables that reference organisations (accounts, keys…).
TRUNCATE public.experience_reports, public.actions, public.events, public.resources, public.contacts,
         public.organisations CASCADE;

CREATE FUNCTION pg_temp.region(r text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE r
    WHEN 'Île-de-France' THEN 'ile_de_france'
    WHEN 'Auvergne-Rhône-Alpes' THEN 'auvergne_rhone_alpes'
    WHEN 'Provence-Alpes-Côte d''Azur' THEN 'provence_alpes_cote_d_azur'
    WHEN 'Occitanie' THEN 'occitanie'
    WHEN 'Pays de la Loire' THEN 'pays_de_la_loire'
    WHEN 'Hauts-de-France' THEN 'hauts_de_france'
    WHEN 'Nouvelle-Aquitaine' THEN 'nouvelle_aquitaine'
    WHEN 'Grand Est' THEN 'grand_est'
    WHEN 'Bourgogne-Franche-Comté' THEN 'bourgogne_franche_comte'
    WHEN 'Bretagne' THEN 'bretagne'
    WHEN 'Normandie' THEN 'normandie'
    WHEN 'Centre-Val de Loire' THEN 'centre_val_de_loire'
    WHEN 'Corse' THEN 'corse'
    WHEN 'Guadeloupe' THEN 'guadeloupe'
    WHEN 'Martinique' THEN 'martinique'
    WHEN 'La Réunion' THEN 'la_reunion'
  END $$;

INSERT INTO public.organisations (id, slug, name, name_key, kind, region, departement, city, website, description,
                                  created_at, updated_at)
-- name_key as entity::organisation::name_key folds the name (decomposed, no accents,
-- lowercase, spaces folded); the seed's names that fold alike keep distinct keys with their
-- id appended, as the migration that added the column did.
SELECT id, slug, name,
       CASE WHEN row_number() OVER (PARTITION BY name_key ORDER BY id) = 1 THEN name_key ELSE name_key || ' #' || id END,
       kind, region, departement, city, website, description, created_at, updated_at
FROM (
  SELECT id, left(slug, 64) AS slug, left(name, 200) AS name,
         btrim(regexp_replace(lower(regexp_replace(normalize(left(name, 200), NFKD), '[\u0300-\u036f]', '', 'g')),
                              '\s+', ' ', 'g')) AS name_key,
         CASE kind WHEN 'association' THEN 'association' WHEN 'fondation' THEN 'association'
                   WHEN 'entreprise' THEN 'company' WHEN 'établissement scolaire' THEN 'school'
                   WHEN 'université' THEN 'school' WHEN 'collectivité' THEN 'public_body'
                   WHEN 'réseau' THEN 'network' ELSE 'other' END AS kind,
         pg_temp.region(region) AS region, NULL AS departement, NULL AS city, website, description,
         created_at, updated_at
  FROM hub.organisations
) o;

INSERT INTO public.events (id, title, description, location_name, address, postal_code, city, departement,
                           region, latitude, longitude, starts_at, ends_at, all_day, timezone,
                           open_to_public, url, author, organiser_id, organiser_name, audiences, tags,
                           status, visibility, feed_id, source_uid, source_url, last_seen_at,
                           created_at, updated_at)
SELECT id, left(title, 200), description, location_name, NULL, NULL, city, NULL,
       pg_temp.region(region), NULL, NULL, starts_at, ends_at, all_day, 'Europe/Paris',
       open_to_public, url, NULL, organisation_id, NULL,
       -- The peer has no audiences: one per event, drawn from its id, for shape (d)'s filter.
       jsonb_build_array((ARRAY['college', 'lycee', 'higher_education', 'apprentices', 'parents', 'teachers',
                                'career_advisers', 'job_seekers', 'employees', 'companies',
                                'general_public'])[1 + abs(hashtext(id::text)) % 11]),
       '[]'::jsonb,
       'scheduled', 'public', NULL, external_uid, NULL, NULL, created_at, updated_at
FROM hub.events;

INSERT INTO public.resources (id, organisation_id, kind, title, content, description, url, author,
                              free_of_rights, licence, language, audiences, tags, visibility,
                              created_at, updated_at)
SELECT id, organisation_id,
       CASE kind WHEN 'vidéo' THEN 'video' WHEN 'guide' THEN 'guide' WHEN 'fiche pédagogique' THEN 'teaching_kit'
                 WHEN 'affiche' THEN 'poster' WHEN 'kit' THEN 'teaching_kit' ELSE 'other' END,
       left(title, 200), NULL, description, url, author, free_of_rights, NULL, 'fr',
       '[]'::jsonb, '[]'::jsonb, 'public', created_at, updated_at
FROM hub.resources;
COMMIT;

ANALYZE public.organisations;
ANALYZE public.events;
ANALYZE public.resources;
