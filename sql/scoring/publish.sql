-- The publish transaction of `recdb score`: insert the run's rows, check them (contract.sql), move the
-- pointer, apply retention. Everything between BEGIN and COMMIT; a failed check rolls it all back.

-- name: next_run_id$
SELECT nextval('score_runs_seq') AS run_id;

-- name: insert_recommendations$
-- staged_recommendations is the run's Arrow table, registered on the connection under this fixed name.
INSERT INTO recommendations (run_id, user_id, rank, movie_id, predicted_rating, because_movie_id, reason)
SELECT $run_id, user_id, rank, movie_id, predicted_rating, because_movie_id, reason
FROM staged_recommendations;

-- name: insert_run!
INSERT INTO score_runs (run_id, model_id, predictor, load_id, started_at, finished_at, k, users, movies,
                        rows, min_rating, max_rating, score_seconds, publish_seconds, status, error)
VALUES ($run_id, $model_id, $predictor, $load_id, $started_at, now(), $k, $users,
        $movies, $rows, $min_rating, $max_rating, $score_seconds, $publish_seconds, $status, $error);

-- name: move_latest!
INSERT INTO latest_run (slot, run_id, published_at)
VALUES (true, $run_id, now())
ON CONFLICT (slot) DO UPDATE SET run_id = excluded.run_id, published_at = excluded.published_at;

-- name: expire_runs!
-- Retention: keep the rows of the newest $retain published runs; older published runs become 'expired'.
UPDATE score_runs
SET status = 'expired'
WHERE status = 'published'
  AND run_id NOT IN (
      SELECT run_id FROM score_runs WHERE status = 'published' ORDER BY run_id DESC LIMIT $retain
  );

-- name: delete_expired_rows!
DELETE FROM recommendations
WHERE run_id NOT IN (SELECT run_id FROM score_runs WHERE status = 'published');

-- name: precheck_recommendations!
-- In the contract pre-check's in-memory database (recdb/scoring/contract.py): the staged rows under
-- the name the contract queries read, with the placeholder run id 0 (contract.PRECHECK_RUN_ID; a view
-- cannot take a parameter, and real run ids start at 1).
CREATE VIEW recommendations AS
SELECT 0 AS run_id, user_id, rank, movie_id, predicted_rating, because_movie_id, reason
FROM staged_recommendations;

-- name: data_state^
-- What the scored snapshot is compared with inside the publish transaction: a new load, or any change
-- in the number of users, movies or ratings, means the data changed since the job read it.
SELECT (SELECT max(load_id) FROM loads) AS load_id,
       (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM movies) AS movies,
       (SELECT count(*) FROM ratings) AS ratings;
