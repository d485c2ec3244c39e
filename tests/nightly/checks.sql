-- Consistency checks over what consumers see; the nightly reliability tests (tests/nightly) run these
-- after killing a job, and the concurrent reader runs reader_snapshot in a loop.

-- name: reader_snapshot
-- One consumer's view of latest_recommendations, with what score_runs says the run should hold:
-- a whole run has one run_id, users = users_expected, rows = rows_expected, and every list ranked 1..n.
WITH per_user AS (
    SELECT run_id, user_id, count(*) AS n, min(rank) AS lo, max(rank) AS hi
    FROM latest_recommendations
    GROUP BY run_id, user_id
), seen AS (
    SELECT count(DISTINCT run_id) AS runs,
           min(run_id) AS run_id,
           count(*) AS users,
           count(*) FILTER (WHERE lo <> 1 OR hi <> n) AS broken_lists,
           coalesce(sum(n), 0) AS rows
    FROM per_user
)
SELECT seen.runs, seen.run_id, seen.users, seen.broken_lists, seen.rows,
       s.users AS users_expected, s.rows AS rows_expected, s.status
FROM seen
LEFT JOIN score_runs AS s ON s.run_id = seen.run_id;

-- name: data_snapshot
-- The loaded data against the newest load's totals: a load is all or nothing.
SELECT (SELECT count(*) FROM ratings) AS ratings,
       (SELECT count(*) FROM loads) AS loads,
       coalesce((SELECT ratings_total FROM loads ORDER BY load_id DESC LIMIT 1), 0) AS ratings_expected;

-- name: run_rows
SELECT run_id, status, exit_code, error, model_id, score_run_id FROM runs ORDER BY run_id;

-- name: stage_rows
SELECT stage, status, rows, seconds, metrics, error
FROM run_stages
WHERE run_id = $run_id
ORDER BY list_position(['load', 'train', 'score', 'evaluate'], stage);
