-- The genre mix of the current recommendations against the catalogue's: which genres the model
-- pushes (lift > 1) or neglects (lift < 1). A movie with several genres counts once in each.
-- Run (read-only, see docs/consumers.md):
--   duckdb -readonly var/recdb.duckdb < sql/queries/genre_mix.sql
-- Columns: genre, slots (recommendation rows with that genre), share_of_slots, share_of_catalogue, lift.

-- name: genre_mix
WITH slots AS (
    SELECT genre, count(*) AS slots
    FROM (SELECT unnest(genres) AS genre FROM latest_recommendations)
    GROUP BY genre
),
catalogue AS (
    SELECT g.name AS genre, count(*) AS movies
    FROM movie_genres AS mg
    JOIN genres AS g USING (genre_id)
    GROUP BY ALL
)
SELECT c.genre,
       coalesce(s.slots, 0) AS slots,
       round(coalesce(s.slots, 0) / sum(coalesce(s.slots, 0)) OVER (), 4) AS share_of_slots,
       round(c.movies / sum(c.movies) OVER (), 4) AS share_of_catalogue,
       round((coalesce(s.slots, 0) / sum(coalesce(s.slots, 0)) OVER ()) / (c.movies / sum(c.movies) OVER ()), 2)
           AS lift
FROM catalogue AS c
LEFT JOIN slots AS s USING (genre)
ORDER BY slots DESC, c.genre;
