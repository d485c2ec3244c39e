-- Loads, splits and models in UTC: their times become TIMESTAMPTZ (users, movies, split_ratings and
-- training_history reference them, so they are rebuilt too; their columns do not change).
-- Times were local TIMESTAMP (current_localtimestamp(): the writer's zone), so an age read under another
-- TZ was off by the zone difference. They become TIMESTAMPTZ (an instant; written with now()).
-- DuckDB cannot ALTER a column of a table that a foreign key references (Dependency Error), so the
-- tables below are rebuilt: copied aside, dropped (children first), recreated, refilled, commented.
-- Existing values: the zone they were written in is not recorded; the best available assumption is
-- that the writer ran in the same zone as this migration, so they are read in the session's time zone
-- (recdb applies migrations before it switches the session to UTC). INSERT ... BY NAME fails loudly,
-- rather than dropping data, if a column was added to one of these tables after this was written.

CREATE TABLE _utc_old_loads AS SELECT * FROM loads;
CREATE TABLE _utc_old_users AS SELECT * FROM users;
CREATE TABLE _utc_old_movies AS SELECT * FROM movies;
CREATE TABLE _utc_old_splits AS SELECT * FROM splits;
CREATE TABLE _utc_old_split_ratings AS SELECT * FROM split_ratings;
CREATE TABLE _utc_old_models AS SELECT * FROM models;
CREATE TABLE _utc_old_training_history AS SELECT * FROM training_history;
DROP TABLE training_history;
DROP TABLE models;
DROP TABLE split_ratings;
DROP TABLE splits;
DROP TABLE movies;
DROP TABLE users;
DROP TABLE loads;

CREATE TABLE loads (
    load_id INTEGER DEFAULT(nextval('loads_seq')) PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    "release" VARCHAR NOT NULL,
    "source" VARCHAR NOT NULL,
    file_checksums MAP(VARCHAR, VARCHAR) NOT NULL,
    "action" VARCHAR NOT NULL,
    users_total BIGINT NOT NULL,
    movies_total BIGINT NOT NULL,
    ratings_total BIGINT NOT NULL,
    tags_total BIGINT NOT NULL,
    users_added BIGINT NOT NULL,
    movies_added BIGINT NOT NULL,
    ratings_added BIGINT NOT NULL,
    tags_added BIGINT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    CHECK(("action" IN ('initial', 'append', 'replace', 'unchanged')))
);
INSERT INTO loads BY NAME SELECT * REPLACE (started_at::TIMESTAMPTZ AS started_at, finished_at::TIMESTAMPTZ AS finished_at) FROM _utc_old_loads;
DROP TABLE _utc_old_loads;
COMMENT ON TABLE loads IS 'One row per recdb load: which data set and release came from where, file checksums and row counts';
COMMENT ON COLUMN loads.load_id IS 'Load number, increasing; ratings.load_id points here';
COMMENT ON COLUMN loads.dataset IS 'Data set name, e.g. ml-1m, ml-latest-small, demo';
COMMENT ON COLUMN loads."release" IS 'File layout the files were read as: ml-100k, ml-1m, ml-10m or csv (ml-20m and later)';
COMMENT ON COLUMN loads."source" IS 'Folder, zip file or URL the files were read from';
COMMENT ON COLUMN loads.file_checksums IS 'SHA-256 of every input file, by file name';
COMMENT ON COLUMN loads."action" IS 'initial (empty database), append (new ratings added), replace (another data set replaced), unchanged (same data again)';
COMMENT ON COLUMN loads.users_total IS 'Users in the database after this load';
COMMENT ON COLUMN loads.movies_total IS 'Movies in the database after this load';
COMMENT ON COLUMN loads.ratings_total IS 'Ratings in the database after this load';
COMMENT ON COLUMN loads.tags_total IS 'Tags in the database after this load (0 for releases without tags)';
COMMENT ON COLUMN loads.users_added IS 'Users this load added';
COMMENT ON COLUMN loads.movies_added IS 'Movies this load added';
COMMENT ON COLUMN loads.ratings_added IS 'Ratings this load added';
COMMENT ON COLUMN loads.tags_added IS 'Tags this load added';
COMMENT ON COLUMN loads.started_at IS 'When (UTC instant, TIMESTAMPTZ) the load started';
COMMENT ON COLUMN loads.finished_at IS 'When (UTC instant, TIMESTAMPTZ) the load committed';

CREATE TABLE users (
    user_id INTEGER PRIMARY KEY,
    gender VARCHAR,
    age_group VARCHAR,
    age_raw INTEGER,
    occupation VARCHAR,
    occupation_raw VARCHAR,
    zip_code VARCHAR,
    load_id INTEGER NOT NULL,
    CHECK((gender IN ('M', 'F'))),
    CHECK((age_group IN ('Under 18', '18-24', '25-34', '35-44', '45-49', '50-55', '56+'))),
    FOREIGN KEY (load_id) REFERENCES loads(load_id)
);
INSERT INTO users BY NAME SELECT * FROM _utc_old_users;
DROP TABLE _utc_old_users;
COMMENT ON TABLE users IS 'MovieLens users; demographics are NULL where the release has none (ml-10m and later), never guessed';
COMMENT ON COLUMN users.user_id IS 'MovieLens UserID';
COMMENT ON COLUMN users.gender IS 'M or F; NULL when the release has no demographics';
COMMENT ON COLUMN users.age_group IS 'Age band in the ML-1M vocabulary (Under 18, 18-24, 25-34, 35-44, 45-49, 50-55, 56+)';
COMMENT ON COLUMN users.age_raw IS 'Age as the release gives it: the ML-1M band code (1, 18, 25, ...) or ML-100K age in years';
COMMENT ON COLUMN users.occupation IS 'Occupation in the ML-1M vocabulary of 21 names';
COMMENT ON COLUMN users.occupation_raw IS 'Occupation as the release gives it: ML-1M code 0-20 or ML-100K name';
COMMENT ON COLUMN users.zip_code IS 'Zip code as given (text: leading zeros and foreign codes kept)';
COMMENT ON COLUMN users.load_id IS 'The load that added this user';

CREATE TABLE movies (
    movie_id INTEGER PRIMARY KEY,
    title VARCHAR NOT NULL,
    "year" INTEGER,
    title_raw VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    FOREIGN KEY (load_id) REFERENCES loads(load_id)
);
INSERT INTO movies BY NAME SELECT * FROM _utc_old_movies;
DROP TABLE _utc_old_movies;
COMMENT ON TABLE movies IS 'MovieLens movies (the whole catalogue, rated or not)';
COMMENT ON COLUMN movies.movie_id IS 'MovieLens MovieID';
COMMENT ON COLUMN movies.title IS 'Title without the year, as MovieLens writes it (e.g. Shawshank Redemption, The)';
COMMENT ON COLUMN movies."year" IS 'Release year from the title; NULL when the title has none; first year of a range like (2007-)';
COMMENT ON COLUMN movies.title_raw IS 'Title exactly as in the release file';
COMMENT ON COLUMN movies.load_id IS 'The load that added this movie';

CREATE TABLE splits (
    split_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    seed INTEGER NOT NULL,
    test_fraction DOUBLE NOT NULL,
    valid_fraction DOUBLE NOT NULL,
    load_id INTEGER NOT NULL,
    created_at TIMESTAMPTZ DEFAULT(now()) NOT NULL,
    n_train BIGINT NOT NULL,
    n_valid BIGINT NOT NULL,
    n_test BIGINT NOT NULL,
    CHECK((kind IN ('random', 'time', 'cold_users', 'cold_movies'))),
    CHECK(((test_fraction > 0) AND (test_fraction < 1))),
    CHECK(((valid_fraction > 0) AND (valid_fraction < 1))),
    FOREIGN KEY (load_id) REFERENCES loads(load_id)
);
INSERT INTO splits BY NAME SELECT * REPLACE (created_at::TIMESTAMPTZ AS created_at) FROM _utc_old_splits;
DROP TABLE _utc_old_splits;
COMMENT ON TABLE splits IS 'Train/valid/test splits of the ratings; every model and baseline evaluated on a split uses exactly its rows (split_ratings)';
COMMENT ON COLUMN splits.split_id IS 'Name built from the parameters, e.g. random-s0-t0.2-v0.1-l1 (kind, seed, test and valid fractions, load)';
COMMENT ON COLUMN splits.kind IS 'random: seeded random ratings (the paper''s 80/20); time: the latest ratings by rated_at are the test; cold_users / cold_movies: whole users / movies held out, all their ratings are test';
COMMENT ON COLUMN splits.seed IS 'Seed of numpy.random.default_rng that drew the split';
COMMENT ON COLUMN splits.test_fraction IS 'random, time: fraction of the ratings in test; cold_users, cold_movies: fraction of the rated users / movies held out (train.cold_fraction)';
COMMENT ON COLUMN splits.valid_fraction IS 'Fraction of the non-test ratings put in valid (early stopping and model selection only)';
COMMENT ON COLUMN splits.load_id IS 'Data snapshot: the newest load that added ratings when the split was drawn';
COMMENT ON COLUMN splits.created_at IS 'When (UTC instant, TIMESTAMPTZ) the split was drawn';
COMMENT ON COLUMN splits.n_train IS 'Ratings in part train';
COMMENT ON COLUMN splits.n_valid IS 'Ratings in part valid';
COMMENT ON COLUMN splits.n_test IS 'Ratings in part test';

CREATE TABLE split_ratings (
    split_id VARCHAR,
    user_id INTEGER,
    movie_id INTEGER,
    part VARCHAR NOT NULL,
    FOREIGN KEY (split_id) REFERENCES splits(split_id),
    CHECK((part IN ('train', 'valid', 'test'))),
    PRIMARY KEY(split_id, user_id, movie_id)
);
INSERT INTO split_ratings BY NAME SELECT * FROM _utc_old_split_ratings;
DROP TABLE _utc_old_split_ratings;
COMMENT ON TABLE split_ratings IS 'Which part of its split each rating is in. Models train on train and early-stop on valid; baselines fit on train + valid; everything is tested on test';
COMMENT ON COLUMN split_ratings.split_id IS 'The split (splits.split_id)';
COMMENT ON COLUMN split_ratings.user_id IS 'Rating''s user (ratings.user_id)';
COMMENT ON COLUMN split_ratings.movie_id IS 'Rating''s movie (ratings.movie_id)';
COMMENT ON COLUMN split_ratings.part IS 'train, valid or test';

CREATE TABLE models (
    model_id INTEGER DEFAULT(nextval('models_seq')) PRIMARY KEY,
    created_at TIMESTAMPTZ DEFAULT(now()) NOT NULL,
    architecture VARCHAR NOT NULL,
    config JSON NOT NULL,
    load_id INTEGER NOT NULL,
    split_id VARCHAR NOT NULL,
    valid_mae DOUBLE,
    valid_rmse DOUBLE,
    valid_ndcg10 DOUBLE,
    test_mae DOUBLE,
    test_rmse DOUBLE,
    checkpoint_path VARCHAR,
    status VARCHAR NOT NULL,
    test_ndcg10 DOUBLE,
    test_precision10 DOUBLE,
    epochs INTEGER,
    finished_at TIMESTAMPTZ,
    message VARCHAR,
    rank_blend DOUBLE,
    FOREIGN KEY (load_id) REFERENCES loads(load_id),
    FOREIGN KEY (split_id) REFERENCES splits(split_id),
    CHECK((status IN ('training', 'ready', 'failed')))
);
INSERT INTO models BY NAME SELECT * REPLACE (created_at::TIMESTAMPTZ AS created_at, finished_at::TIMESTAMPTZ AS finished_at) FROM _utc_old_models;
DROP TABLE _utc_old_models;
COMMENT ON TABLE models IS 'Trained models: configuration, data snapshot, split, metrics and checkpoint; scoring uses the newest ready one by default';
COMMENT ON COLUMN models.model_id IS 'Model number, increasing';
COMMENT ON COLUMN models.created_at IS 'When (UTC instant, TIMESTAMPTZ) training started';
COMMENT ON COLUMN models.architecture IS 'hybrid (the personalised default: towers, dot product, biases, ranking head) or paper (the paper''s additive formula)';
COMMENT ON COLUMN models.config IS 'The model, train and feature settings the model was trained with';
COMMENT ON COLUMN models.load_id IS 'Data snapshot: the newest load when training started';
COMMENT ON COLUMN models.split_id IS 'The split trained (train), early-stopped (valid) and tested (test) on';
COMMENT ON COLUMN models.valid_mae IS 'Mean absolute error on the valid ratings at the best epoch';
COMMENT ON COLUMN models.valid_rmse IS 'Root mean squared error on the valid ratings at the best epoch';
COMMENT ON COLUMN models.valid_ndcg10 IS 'NDCG@10 on valid at the best epoch (relevant: valid ratings >= evaluate.relevance_threshold; candidates: movies not rated in train)';
COMMENT ON COLUMN models.test_mae IS 'Mean absolute error on the test ratings';
COMMENT ON COLUMN models.test_rmse IS 'Root mean squared error on the test ratings';
COMMENT ON COLUMN models.checkpoint_path IS 'The checkpoint file (torch.load(..., weights_only=True)); NULL until ready';
COMMENT ON COLUMN models.status IS 'training (running or crashed), ready (usable), failed (see message)';
COMMENT ON COLUMN models.test_ndcg10 IS 'NDCG@10 on test (relevant: test ratings >= threshold; candidates: movies not rated in train or valid)';
COMMENT ON COLUMN models.test_precision10 IS 'Precision@10 on test, same protocol as test_ndcg10';
COMMENT ON COLUMN models.epochs IS 'Epochs run (early stopping may end before train.epochs)';
COMMENT ON COLUMN models.finished_at IS 'When (UTC instant, TIMESTAMPTZ) training finished or failed';
COMMENT ON COLUMN models.message IS 'Why training failed; NULL otherwise';
COMMENT ON COLUMN models.rank_blend IS 'hybrid: γ, the weight of the predicted rating in the list score (ranking head + γ × predicted rating), chosen on valid NDCG@10 unless train.rank_blend fixes it; NULL for paper models and models trained before it existed';

CREATE TABLE training_history (
    model_id INTEGER,
    epoch INTEGER,
    train_loss DOUBLE NOT NULL,
    valid_mae DOUBLE NOT NULL,
    valid_rmse DOUBLE NOT NULL,
    valid_ndcg10 DOUBLE,
    "seconds" DOUBLE NOT NULL,
    FOREIGN KEY (model_id) REFERENCES models(model_id),
    PRIMARY KEY(model_id, epoch)
);
INSERT INTO training_history BY NAME SELECT * FROM _utc_old_training_history;
DROP TABLE _utc_old_training_history;
COMMENT ON TABLE training_history IS 'Per-epoch training curve of every model (models.model_id)';
COMMENT ON COLUMN training_history.model_id IS 'The model (models.model_id)';
COMMENT ON COLUMN training_history.epoch IS 'Epoch number, from 1';
COMMENT ON COLUMN training_history.train_loss IS 'Mean training loss of the epoch (MSE, plus rank_weight times the ranking loss for hybrid)';
COMMENT ON COLUMN training_history.valid_mae IS 'Mean absolute error on the valid ratings after the epoch';
COMMENT ON COLUMN training_history.valid_rmse IS 'Root mean squared error on the valid ratings after the epoch';
COMMENT ON COLUMN training_history.valid_ndcg10 IS 'NDCG@10 on valid after the epoch';
COMMENT ON COLUMN training_history."seconds" IS 'Wall-clock seconds of the epoch (training and validation)';
