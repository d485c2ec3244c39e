-- Contract checks on a run's rows, before the pointer moves (see recdb/scoring/contract.py for where
-- they run: on the staged rows before the write lock, and in the publish transaction if the data
-- changed meanwhile). They read only recommendations, users, movies and ratings(user_id, movie_id).
-- Each `check_*` query returns up to 5 example rows that break its rule (the `rule` column names the
-- rule); no rows = the check passed. Parameters: $run_id, $k (requested list length), $min_rating /
-- $max_rating (the release's scale).
-- Per user, the contract is: exactly min(k, movies the user has not rated) rows, ranks 1..n without
-- gaps, distinct movies, none already rated, no NULL or NaN, ratings within the scale; every row has
-- a reason: a movie the user rated (because_movie_id) or, for a user without ratings, a text (reason).
-- The checks are grouped so each reads the run's rows once (16M rows at ML-25M scale).

-- name: check_values
-- no_nulls, rating_scale: one scan of the rows.
SELECT CASE
           WHEN user_id IS NULL OR rank IS NULL OR movie_id IS NULL OR predicted_rating IS NULL
                OR isnan(predicted_rating) THEN 'no_nulls'
           ELSE 'rating_scale'
       END AS rule,
       user_id, rank, movie_id, predicted_rating
FROM recommendations
WHERE run_id = $run_id
  AND (user_id IS NULL OR rank IS NULL OR movie_id IS NULL OR predicted_rating IS NULL
       OR isnan(predicted_rating) OR predicted_rating < $min_rating OR predicted_rating > $max_rating)
ORDER BY rule, user_id, rank
LIMIT 5;

-- name: check_lists
-- unique_user_rank, ranks_without_gaps, unique_user_movie, every_user_present: one aggregate per user.
-- n rows with n distinct ranks between 1 and n means exactly the ranks 1..n, each once. Every user in
-- the users table (users without ratings included) must have n = min(k, unrated movies); a user who
-- has rated every movie is the only one allowed to have none.
WITH lists AS (
    SELECT user_id,
           count(*) AS n_rows,
           count(DISTINCT rank) AS n_ranks,
           count(DISTINCT movie_id) AS n_movies,
           min(rank) AS first_rank,
           max(rank) AS last_rank
    FROM recommendations
    WHERE run_id = $run_id
    GROUP BY user_id
),
expected AS (
    SELECT u.user_id,
           least($k, (SELECT count(*) FROM movies) - coalesce(rc.n_rated, 0)) AS n_expected
    FROM users AS u
    LEFT JOIN (SELECT user_id, count(*) AS n_rated FROM ratings GROUP BY user_id) AS rc USING (user_id)
),
judged AS (
    SELECT coalesce(l.user_id, e.user_id) AS user_id,
           CASE
               WHEN l.n_ranks <> l.n_rows THEN 'unique_user_rank'
               WHEN l.first_rank <> 1 OR l.last_rank <> l.n_rows THEN 'ranks_without_gaps'
               WHEN l.n_movies <> l.n_rows THEN 'unique_user_movie'
               WHEN coalesce(l.n_rows, 0) <> coalesce(e.n_expected, -1) THEN 'every_user_present'
           END AS rule,
           e.n_expected,
           coalesce(l.n_rows, 0) AS n_rows,
           l.first_rank,
           l.last_rank
    FROM lists AS l
    FULL OUTER JOIN expected AS e USING (user_id)
)
SELECT rule, user_id, n_expected, n_rows, first_rank, last_rank
FROM judged
WHERE rule IS NOT NULL
ORDER BY rule, user_id
LIMIT 5;

-- name: check_known_ids
-- known_ids: every user and movie of the run exists (recommendations has no foreign keys: see 0041).
SELECT 'known_ids' AS rule, r.user_id, r.movie_id
FROM recommendations AS r
WHERE r.run_id = $run_id
  AND (NOT EXISTS (SELECT 1 FROM users AS u WHERE u.user_id = r.user_id)
       OR NOT EXISTS (SELECT 1 FROM movies AS m WHERE m.movie_id = r.movie_id))
LIMIT 5;

-- name: check_not_already_rated
-- not_already_rated: no listed movie has a rating from that user.
SELECT 'not_already_rated' AS rule, r.user_id, r.movie_id, r.rank
FROM recommendations AS r
JOIN ratings AS t ON t.user_id = r.user_id AND t.movie_id = r.movie_id
WHERE r.run_id = $run_id
ORDER BY r.user_id, r.rank
LIMIT 5;

-- name: check_reasons
-- reason_given, because_rated: a row names a movie the user rated (because_movie_id) or, only for a
-- user without ratings, a text (reason); never both, never neither.
SELECT CASE
           WHEN r.because_movie_id IS NULL AND r.reason IS NULL THEN 'reason_given'
           WHEN r.because_movie_id IS NOT NULL AND r.reason IS NOT NULL THEN 'reason_given'
           ELSE 'because_rated'
       END AS rule,
       r.user_id, r.rank, r.movie_id, r.because_movie_id, r.reason
FROM recommendations AS r
LEFT JOIN ratings AS t ON t.user_id = r.user_id AND t.movie_id = r.because_movie_id
WHERE r.run_id = $run_id
  AND ((r.because_movie_id IS NULL) = (r.reason IS NULL)
       OR (r.because_movie_id IS NOT NULL AND t.user_id IS NULL))
ORDER BY rule, r.user_id, r.rank
LIMIT 5;
