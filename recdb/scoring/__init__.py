"""Scoring: score every user against every movie (``job.score_all``), publish top-k lists to DuckDB
(``publish``, ``contract``) and serve consumers (``consumers``)."""
