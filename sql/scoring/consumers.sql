-- What recdb's own consumer commands (recommend, export, predict) read, on read-only connections.

-- name: latest_run_summary^
SELECT s.run_id, s.model_id, s.predictor, s.k, s.users, s.movies, s.rows, s.min_rating, s.max_rating,
       s.started_at, l.published_at
FROM latest_run AS l
JOIN score_runs AS s USING (run_id);

-- name: user_exists$
SELECT count(*) > 0 AS found FROM users WHERE user_id = $user_id;

-- name: user_recommendations
SELECT rank, movie_id, title, year, array_to_string(genres, '|') AS genres, predicted_rating, reason
FROM latest_recommendations
WHERE user_id = $user_id
ORDER BY rank
LIMIT $limit;

-- name: export_recommendations$
-- The whole latest run, as published, for tools outside DuckDB. Pinned to $run_id (read in the same
-- read-only session) so the file and its manifest always describe the same run.
COPY (
    SELECT run_id, user_id, rank, movie_id, title, year, genres, predicted_rating
    FROM latest_recommendations
    WHERE run_id = $run_id
    ORDER BY user_id, rank
) TO $path (FORMAT parquet, COMPRESSION zstd);

-- name: user_ratings_of
-- The user's existing ratings of the given movies (recdb predict shows them beside the prediction).
SELECT movie_id, rating
FROM ratings
WHERE user_id = $user_id AND list_contains($movie_ids, movie_id);

-- name: set_user_id!
-- The example queries in sql/queries/ read their arguments with getvariable(), as analysts set them
-- in the DuckDB CLI (SET VARIABLE user_id = 42); programs set them with these, bound as parameters.
SET VARIABLE user_id = $value;

-- name: set_movie_id!
SET VARIABLE movie_id = $value;
