-- The read-only consumer copy (database.serving_path, recdb.scoring.serving): the main database is
-- attached read-only as src, the new file as dst in the configured storage format; dst gets src's
-- whole schema (tables with their constraints, views, sequences, comments) and the rows consumers read:
-- the catalogue and the published run. Parents first: the foreign keys hold in the copy too.

-- name: attach_main!
ATTACH $path AS src (READ_ONLY);

-- name: attach_copy!
ATTACH $path AS dst (STORAGE_VERSION $version);

-- name: copy_schema!
COPY FROM DATABASE src TO dst (SCHEMA);

-- name: copy_catalogue!
INSERT INTO dst.main.schema_migrations BY NAME SELECT * FROM src.main.schema_migrations;
INSERT INTO dst.main.age_groups BY NAME SELECT * FROM src.main.age_groups;
INSERT INTO dst.main.occupations BY NAME SELECT * FROM src.main.occupations;
INSERT INTO dst.main.occupation_aliases BY NAME SELECT * FROM src.main.occupation_aliases;
INSERT INTO dst.main.genres BY NAME SELECT * FROM src.main.genres;
INSERT INTO dst.main.loads BY NAME SELECT * FROM src.main.loads;
INSERT INTO dst.main.users BY NAME SELECT * FROM src.main.users;
INSERT INTO dst.main.movies BY NAME SELECT * FROM src.main.movies;
INSERT INTO dst.main.movie_genres BY NAME SELECT * FROM src.main.movie_genres;

-- name: copy_published_run!
-- The run latest_run points at, with the model that scored it and that model's split (models' parent).
INSERT INTO dst.main.splits BY NAME
SELECT * FROM src.main.splits
WHERE split_id IN (SELECT m.split_id FROM src.main.models AS m
                   JOIN src.main.score_runs AS s USING (model_id)
                   JOIN src.main.latest_run AS l USING (run_id));
INSERT INTO dst.main.models BY NAME
SELECT * FROM src.main.models
WHERE model_id IN (SELECT s.model_id FROM src.main.score_runs AS s JOIN src.main.latest_run AS l USING (run_id));
INSERT INTO dst.main.score_runs BY NAME
SELECT * FROM src.main.score_runs WHERE run_id IN (SELECT run_id FROM src.main.latest_run);
INSERT INTO dst.main.recommendations BY NAME
SELECT * FROM src.main.recommendations WHERE run_id IN (SELECT run_id FROM src.main.latest_run);
INSERT INTO dst.main.latest_run BY NAME SELECT * FROM src.main.latest_run;

-- name: serving_summary^
-- What the copy holds, checked before it is renamed into place.
SELECT (SELECT max(run_id) FROM dst.main.latest_run) AS run_id,
       (SELECT count(*) FROM dst.main.recommendations) AS recommendations,
       (SELECT count(*) FROM src.main.recommendations
        WHERE run_id IN (SELECT run_id FROM src.main.latest_run)) AS expected;

-- name: detach_copy!
DETACH src;
DETACH dst;
