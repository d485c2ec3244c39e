-- loads: one row per `recdb load` that changed (or confirmed) the data, the audit trail of the data.
CREATE SEQUENCE IF NOT EXISTS loads_seq START 1;
CREATE TABLE loads (
    load_id        INTEGER PRIMARY KEY DEFAULT nextval('loads_seq'),
    dataset        VARCHAR NOT NULL,
    release        VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    file_checksums MAP(VARCHAR, VARCHAR) NOT NULL,
    action         VARCHAR NOT NULL CHECK (action IN ('initial', 'append', 'replace', 'unchanged')),
    users_total    BIGINT NOT NULL,
    movies_total   BIGINT NOT NULL,
    ratings_total  BIGINT NOT NULL,
    tags_total     BIGINT NOT NULL,
    users_added    BIGINT NOT NULL,
    movies_added   BIGINT NOT NULL,
    ratings_added  BIGINT NOT NULL,
    tags_added     BIGINT NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP NOT NULL
);
COMMENT ON TABLE loads IS 'One row per recdb load: which data set and release came from where, file checksums and row counts';
COMMENT ON COLUMN loads.load_id IS 'Load number, increasing; ratings.load_id points here';
COMMENT ON COLUMN loads.dataset IS 'Data set name, e.g. ml-1m, ml-latest-small, demo';
COMMENT ON COLUMN loads.release IS 'File layout the files were read as: ml-100k, ml-1m, ml-10m or csv (ml-20m and later)';
COMMENT ON COLUMN loads.source IS 'Folder, zip file or URL the files were read from';
COMMENT ON COLUMN loads.file_checksums IS 'SHA-256 of every input file, by file name';
COMMENT ON COLUMN loads.action IS 'initial (empty database), append (new ratings added), replace (another data set replaced), unchanged (same data again)';
COMMENT ON COLUMN loads.users_total IS 'Users in the database after this load';
COMMENT ON COLUMN loads.movies_total IS 'Movies in the database after this load';
COMMENT ON COLUMN loads.ratings_total IS 'Ratings in the database after this load';
COMMENT ON COLUMN loads.tags_total IS 'Tags in the database after this load (0 for releases without tags)';
COMMENT ON COLUMN loads.users_added IS 'Users this load added';
COMMENT ON COLUMN loads.movies_added IS 'Movies this load added';
COMMENT ON COLUMN loads.ratings_added IS 'Ratings this load added';
COMMENT ON COLUMN loads.tags_added IS 'Tags this load added';
COMMENT ON COLUMN loads.started_at IS 'Local time the load started';
COMMENT ON COLUMN loads.finished_at IS 'Local time the load committed';
