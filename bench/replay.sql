-- Queries of bench/replay.py (read-only, after each night's `recdb nightly`).

-- name: night_run^
-- The newest nightly run: how it ended and what it produced.
SELECT run_id, status, exit_code, error, model_id, score_run_id FROM runs ORDER BY run_id DESC LIMIT 1;

-- name: night_stages
SELECT stage, status, seconds, rows, metrics FROM run_stages WHERE run_id = $run_id ORDER BY started_at;

-- name: night_gate^
SELECT decision, model_id, baseline_model_id, metrics, reason, seconds
FROM gate_decisions WHERE run_id = $run_id;

-- name: night_forward^
SELECT score_run_id, users, new_ratings, hit_rate, precision_at_k, pop_hit_rate, pop_precision_at_k
FROM forward_measures WHERE run_id = $run_id;

-- name: served^
SELECT run_id FROM latest_run;

-- name: overlap_at_10^
-- overlap@10 of two score runs: over the users with a list in both, the mean share of the top 10 in common.
WITH a AS (SELECT user_id, movie_id FROM recommendations WHERE run_id = $previous AND rank <= 10),
     b AS (SELECT user_id, movie_id FROM recommendations WHERE run_id = $current AND rank <= 10),
     users AS (SELECT DISTINCT user_id FROM a INTERSECT SELECT DISTINCT user_id FROM b),
     common AS (
         SELECT u.user_id, count(b.movie_id) AS n
         FROM users AS u
         LEFT JOIN a ON a.user_id = u.user_id
         LEFT JOIN b ON b.user_id = a.user_id AND b.movie_id = a.movie_id
         GROUP BY u.user_id
     )
SELECT avg(n / 10.0), count(*) FROM common;
