-- latest_recommendations: what consumers query: the latest published run with titles, years and genres.
CREATE VIEW latest_recommendations AS
SELECT r.run_id,
       r.user_id,
       r.rank,
       r.movie_id,
       m.title,
       m.year,
       coalesce(g.genres, []::VARCHAR[]) AS genres,
       r.predicted_rating
FROM recommendations AS r
JOIN latest_run AS l ON r.run_id = l.run_id
JOIN movies AS m ON m.movie_id = r.movie_id
LEFT JOIN (
    SELECT mg.movie_id, list(gn.name ORDER BY gn.name) AS genres
    FROM movie_genres AS mg
    JOIN genres AS gn ON gn.genre_id = mg.genre_id
    GROUP BY mg.movie_id
) AS g ON g.movie_id = r.movie_id;
COMMENT ON VIEW latest_recommendations IS 'Every user''s current top-k list (the run in latest_run) with movie titles, years and genres; one row per (user_id, rank)';
COMMENT ON COLUMN latest_recommendations.run_id IS 'The published run these rows come from (score_runs.run_id); the same on every row';
COMMENT ON COLUMN latest_recommendations.user_id IS 'The user (users.user_id); every user appears, including users without ratings';
COMMENT ON COLUMN latest_recommendations.rank IS '1 = best; 1..n without gaps, n = min(k, movies the user has not rated)';
COMMENT ON COLUMN latest_recommendations.movie_id IS 'The recommended movie, never one the user has already rated';
COMMENT ON COLUMN latest_recommendations.title IS 'Movie title without the year (movies.title)';
COMMENT ON COLUMN latest_recommendations.year IS 'Release year (movies.year); NULL when the title has none';
COMMENT ON COLUMN latest_recommendations.genres IS 'The movie''s genres, alphabetical; empty list when none are listed';
COMMENT ON COLUMN latest_recommendations.predicted_rating IS 'Predicted rating, clipped to the release''s scale';
