-- Queries the scoring tests use to inspect a scored database (loaded by conftest.sql_check).

-- name: per_user_lists
SELECT user_id, count(*) AS n, min(rank) AS first_rank, max(rank) AS last_rank
FROM latest_recommendations
GROUP BY user_id;

-- name: rated_recommended
SELECT count(*) FROM latest_recommendations JOIN ratings USING (user_id, movie_id);

-- name: all_rows
SELECT count(*) FROM recommendations;

-- name: cold_users_listed
SELECT count(DISTINCT user_id) FROM latest_recommendations
WHERE user_id NOT IN (SELECT user_id FROM ratings);

-- name: never_rated_movies_listed
SELECT count(DISTINCT movie_id) FROM latest_recommendations
WHERE movie_id NOT IN (SELECT movie_id FROM ratings);

-- name: lowest_unrated_movies
SELECT u.user_id, list(m.movie_id ORDER BY m.movie_id)[1:$k]
FROM users AS u, movies AS m
WHERE NOT EXISTS (SELECT 1 FROM ratings AS r WHERE r.user_id = u.user_id AND r.movie_id = m.movie_id)
GROUP BY u.user_id
ORDER BY u.user_id;

-- name: published_lists
SELECT user_id, list(movie_id ORDER BY rank) FROM latest_recommendations GROUP BY user_id ORDER BY user_id;

-- name: run_lists
SELECT list(movie_id ORDER BY user_id, rank) FROM recommendations WHERE run_id = $run_id;

-- name: list_vs_candidates
SELECT u.user_id, count(lr.rank) AS n,
       (SELECT count(*) FROM movies) - (SELECT count(*) FROM ratings AS r WHERE r.user_id = u.user_id) AS candidates
FROM users AS u
LEFT JOIN latest_recommendations AS lr USING (user_id)
GROUP BY u.user_id;

-- name: rating_range
SELECT min(predicted_rating), max(predicted_rating) FROM latest_recommendations;

-- name: latest_run_ids
SELECT DISTINCT run_id FROM latest_recommendations;

-- name: runs
SELECT run_id, status, error IS NOT NULL FROM score_runs ORDER BY run_id;

-- name: statuses
SELECT status FROM score_runs ORDER BY run_id;

-- name: retained_runs
SELECT DISTINCT run_id FROM recommendations ORDER BY run_id;

-- name: run_rows
SELECT user_id, rank, movie_id, predicted_rating, because_movie_id, reason
FROM recommendations WHERE run_id = $run_id ORDER BY user_id, rank;

-- name: a_movie_user_1_rated
SELECT min(movie_id) FROM ratings WHERE user_id = 1;

-- name: reasons_of_run
-- Per run row: whether the user has ratings, the reason movie, whether the user rated it and its rating,
-- the reason text.
SELECT r.user_id, r.rank, r.movie_id, r.because_movie_id,
       EXISTS (SELECT 1 FROM ratings AS t WHERE t.user_id = r.user_id) AS has_ratings,
       b.rating AS because_rating,
       (SELECT max(t.rating) FROM ratings AS t WHERE t.user_id = r.user_id) AS best_rating,
       r.reason
FROM recommendations AS r
LEFT JOIN ratings AS b ON b.user_id = r.user_id AND b.movie_id = r.because_movie_id
WHERE r.run_id = $run_id
ORDER BY r.user_id, r.rank;

-- name: view_reasons
SELECT user_id, rank, because_movie_id, because_title, reason
FROM latest_recommendations
ORDER BY user_id, rank;

-- name: quality_inputs
-- The run's rows with each movie's genre ids and ratings count: the quality figures recomputed in Python.
SELECT r.user_id, r.rank, r.movie_id,
       coalesce((SELECT list(genre_id ORDER BY genre_id) FROM movie_genres AS g WHERE g.movie_id = r.movie_id),
                []::INTEGER[]) AS genres
FROM recommendations AS r
WHERE r.run_id = $run_id
ORDER BY r.user_id, r.rank;

-- name: movie_rating_counts
SELECT m.movie_id, count(t.movie_id) AS n
FROM movies AS m LEFT JOIN ratings AS t USING (movie_id)
GROUP BY m.movie_id
ORDER BY m.movie_id;

-- name: quality_of_run
SELECT catalogue_coverage, genre_diversity_at_10, novelty_popularity_percentile, previous_run_id,
       overlap_at_10, users_compared
FROM score_run_quality
WHERE run_id = $run_id;
