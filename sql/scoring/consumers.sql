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
    SELECT run_id, user_id, rank, movie_id, title, year, genres, predicted_rating,
           because_movie_id, because_title, reason
    FROM latest_recommendations
    WHERE run_id = $run_id
    ORDER BY user_id, rank
) TO $path (FORMAT parquet, COMPRESSION zstd);

-- name: set_user_id!
-- The example queries in sql/queries/ read their arguments with getvariable(), as analysts set them
-- in the DuckDB CLI (SET VARIABLE user_id = 42); programs set them with these, bound as parameters.
SET VARIABLE user_id = $value;

-- name: set_movie_id!
SET VARIABLE movie_id = $value;

-- name: latest_lists
-- recdb.recommendations(): the published lists, the first $k of each, for the given users (NULL: all).
SELECT user_id, rank, movie_id, title, year, genres, predicted_rating, because_movie_id, because_title,
       reason, run_id
FROM latest_recommendations
WHERE rank <= $k AND ($user_ids IS NULL OR list_contains($user_ids, user_id))
ORDER BY user_id, rank;

-- name: pair_ratings
-- The existing ratings of the given (user, movie) pairs, two lists of equal length.
SELECT r.user_id, r.movie_id, r.rating
FROM (SELECT unnest($user_ids) AS user_id, unnest($movie_ids) AS movie_id) AS p
JOIN ratings AS r ON r.user_id = p.user_id AND r.movie_id = p.movie_id;

-- name: users_ratings
-- Every rating of the given users: their history, for a model whose predicted ratings use it (the
-- hybrid's rating term corrects a prediction by the user's residuals on these).
SELECT user_id, movie_id, rating FROM ratings WHERE user_id IN (SELECT unnest($user_ids));

-- name: age_group_of$
-- The age band (users.age_group) of an age in years.
SELECT name FROM age_groups WHERE $age >= min_age AND ($age <= max_age OR max_age IS NULL);

-- name: occupation_of$
-- An occupation as recdb stores it, from its name, an ML-100K name or its ML-1M code.
SELECT name FROM occupations WHERE name = lower($value) OR CAST(occupation_code AS VARCHAR) = $value
UNION
SELECT occupation FROM occupation_aliases WHERE raw_name = lower($value);
