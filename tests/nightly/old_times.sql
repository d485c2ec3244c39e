-- A nightly run recorded the way recdb did before migrations 0090-0094: local TIMESTAMP values from
-- current_localtimestamp() (the writer's zone). Used by tests/nightly/test_nightly_utc.py.

-- name: old_run
INSERT INTO runs (started_at, finished_at, status, trigger, forced, command, host, pid)
VALUES (current_localtimestamp() - INTERVAL 2 HOUR, current_localtimestamp() - INTERVAL 1 HOUR,
        'succeeded', 'scheduled', false, 'recdb nightly', 'old-host', 1);

-- name: run_times
-- The run's times as Unix seconds (an instant: the same in every session zone).
SELECT epoch(started_at), epoch(finished_at), typeof(started_at) FROM runs WHERE host = 'old-host';

-- name: load_time_and_counts
SELECT (SELECT epoch(max(started_at)) FROM loads), (SELECT count(*) FROM users),
       (SELECT count(*) FROM movies), (SELECT count(*) FROM ratings);
