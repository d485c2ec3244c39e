-- served_run: the published run only while it matches the data in the database. A `recdb load --replace`
-- swaps the data set (new ids, titles, users), and a run scored on the old one must never be shown
-- joined to the new catalogue: the replace also deletes the latest_run pointer in its own transaction,
-- and this view is the second guard (databases replaced before that fix, a model trained before a
-- replace). The current data set starts at the newest 'initial' or 'replace' load; a run (and the
-- model it used) must have read the data at or after that load. Appends keep ids, so they keep a run.
CREATE VIEW served_run AS
WITH data_set AS (
    SELECT coalesce(max(load_id), 0) AS load_id
    FROM loads
    WHERE action IN ('initial', 'replace')
)
SELECT l.run_id, l.published_at, s.model_id, d.load_id AS data_set_load_id
FROM latest_run AS l
JOIN score_runs AS s ON s.run_id = l.run_id
LEFT JOIN models AS m ON m.model_id = s.model_id
CROSS JOIN data_set AS d
WHERE coalesce(s.load_id, 0) >= d.load_id
  AND coalesce(m.load_id, s.load_id, 0) >= d.load_id;
COMMENT ON VIEW served_run IS 'The published run (latest_run) if it was scored, with a model trained, on the current data set (since the newest initial or replace load); no row otherwise';
COMMENT ON COLUMN served_run.run_id IS 'The published run (score_runs.run_id) consumers see';
COMMENT ON COLUMN served_run.published_at IS 'When the pointer was moved to this run (latest_run.published_at)';
COMMENT ON COLUMN served_run.model_id IS 'The model that scored the run (score_runs.model_id); NULL for a model outside the registry';
COMMENT ON COLUMN served_run.data_set_load_id IS 'The load that started the current data set (newest initial or replace load; 0 when none)';
COMMENT ON TABLE latest_run IS 'Pointer to the published run: at most one row, replaced in the same transaction that inserts and checks the run, deleted by a replace load; consumers read it through served_run';

-- latest_recommendations follows served_run instead of latest_run: nothing from another data set.
CREATE OR REPLACE VIEW latest_recommendations AS
SELECT r.run_id,
       r.user_id,
       r.rank,
       r.movie_id,
       m.title,
       m.year,
       coalesce(g.genres, []::VARCHAR[]) AS genres,
       r.predicted_rating
FROM recommendations AS r
JOIN served_run AS l ON r.run_id = l.run_id
JOIN movies AS m ON m.movie_id = r.movie_id
LEFT JOIN (
    SELECT mg.movie_id, list(gn.name ORDER BY gn.name) AS genres
    FROM movie_genres AS mg
    JOIN genres AS gn ON gn.genre_id = mg.genre_id
    GROUP BY mg.movie_id
) AS g ON g.movie_id = r.movie_id;
COMMENT ON VIEW latest_recommendations IS 'Every user''s current top-k list (the run in served_run: published, and scored on the current data set) with movie titles, years and genres; one row per (user_id, rank); empty after a replace load until the next run is published';
COMMENT ON COLUMN latest_recommendations.run_id IS 'The published run these rows come from (score_runs.run_id); the same on every row';
COMMENT ON COLUMN latest_recommendations.user_id IS 'The user (users.user_id); every user appears, including users without ratings';
COMMENT ON COLUMN latest_recommendations.rank IS '1 = best; 1..n without gaps, n = min(k, movies the user has not rated)';
COMMENT ON COLUMN latest_recommendations.movie_id IS 'The recommended movie, never one the user has already rated';
COMMENT ON COLUMN latest_recommendations.title IS 'Movie title without the year (movies.title)';
COMMENT ON COLUMN latest_recommendations.year IS 'Release year (movies.year); NULL when the title has none';
COMMENT ON COLUMN latest_recommendations.genres IS 'The movie''s genres, alphabetical; empty list when none are listed';
COMMENT ON COLUMN latest_recommendations.predicted_rating IS 'Predicted rating, clipped to the release''s scale';
