-- What reader_loop.py asks each time: the run ids visible in latest_recommendations and their rows.
SELECT run_id, count(*) AS n_rows FROM latest_recommendations GROUP BY run_id ORDER BY run_id
