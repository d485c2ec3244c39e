-- Every recommendation says why (issue 14): the user's own liked movie closest to the recommended one
-- in the model's item space, or, for a user without ratings, the profile the model scored from.
-- Rows of runs published before this migration keep NULL in both columns.
ALTER TABLE recommendations ADD COLUMN because_movie_id INTEGER;
ALTER TABLE recommendations ADD COLUMN reason VARCHAR;
COMMENT ON COLUMN recommendations.because_movie_id IS 'Why this movie: the user''s own liked movie (rated >= evaluate.relevance_threshold, 4; the user''s top-rated movies when none is) with the highest cosine similarity to the recommended movie in the model''s item space (ties to the lower movie_id); always a movie the user rated; NULL for a user without ratings and in runs published before reasons existed';
COMMENT ON COLUMN recommendations.reason IS 'Why this movie, for a user without ratings (cold start): the profile the model scored from, e.g. ''new user: popular with 25-34 programmer men''; NULL when because_movie_id is set and in runs published before reasons existed';

-- latest_recommendations as in 0095, plus the reason: the movie it names, with its title, and a text.
CREATE OR REPLACE VIEW latest_recommendations AS
SELECT r.run_id,
       r.user_id,
       r.rank,
       r.movie_id,
       m.title,
       m.year,
       coalesce(g.genres, []::VARCHAR[]) AS genres,
       r.predicted_rating,
       r.because_movie_id,
       b.title AS because_title,
       coalesce(r.reason, 'because you liked ' || b.title) AS reason
FROM recommendations AS r
JOIN served_run AS l ON r.run_id = l.run_id
JOIN movies AS m ON m.movie_id = r.movie_id
LEFT JOIN movies AS b ON b.movie_id = r.because_movie_id
LEFT JOIN (
    SELECT mg.movie_id, list(gn.name ORDER BY gn.name) AS genres
    FROM movie_genres AS mg
    JOIN genres AS gn ON gn.genre_id = mg.genre_id
    GROUP BY mg.movie_id
) AS g ON g.movie_id = r.movie_id;
COMMENT ON VIEW latest_recommendations IS 'Every user''s current top-k list (the run in served_run: published, and scored on the current data set) with movie titles, years, genres and the reason for each movie; one row per (user_id, rank); empty after a replace load until the next run is published';
COMMENT ON COLUMN latest_recommendations.run_id IS 'The published run these rows come from (score_runs.run_id); the same on every row';
COMMENT ON COLUMN latest_recommendations.user_id IS 'The user (users.user_id); every user appears, including users without ratings';
COMMENT ON COLUMN latest_recommendations.rank IS '1 = best; 1..n without gaps, n = min(k, movies the user has not rated)';
COMMENT ON COLUMN latest_recommendations.movie_id IS 'The recommended movie, never one the user has already rated';
COMMENT ON COLUMN latest_recommendations.title IS 'Movie title without the year (movies.title)';
COMMENT ON COLUMN latest_recommendations.year IS 'Release year (movies.year); NULL when the title has none';
COMMENT ON COLUMN latest_recommendations.genres IS 'The movie''s genres, alphabetical; empty list when none are listed';
COMMENT ON COLUMN latest_recommendations.predicted_rating IS 'Predicted rating, clipped to the release''s scale';
COMMENT ON COLUMN latest_recommendations.because_movie_id IS 'The user''s own liked movie closest to this one in the model''s item space (recommendations.because_movie_id); NULL for a user without ratings and for runs published before reasons existed';
COMMENT ON COLUMN latest_recommendations.because_title IS 'Title of because_movie_id (movies.title); NULL when because_movie_id is';
COMMENT ON COLUMN latest_recommendations.reason IS 'Why this movie, as text: ''because you liked <because_title>'', or for a user without ratings the profile the model scored from (recommendations.reason); NULL only for runs published before reasons existed';
