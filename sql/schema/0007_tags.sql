-- tags: free-text tags, for releases that have them (ml-10m and later).
CREATE TABLE tags (
    user_id   INTEGER NOT NULL REFERENCES users (user_id),
    movie_id  INTEGER NOT NULL REFERENCES movies (movie_id),
    tag       VARCHAR NOT NULL,
    tagged_at TIMESTAMP NOT NULL,
    load_id   INTEGER NOT NULL REFERENCES loads (load_id)
);
COMMENT ON TABLE tags IS 'User-applied tags (ml-10m and later); empty for releases without tags';
COMMENT ON COLUMN tags.user_id IS 'Who tagged';
COMMENT ON COLUMN tags.movie_id IS 'What was tagged';
COMMENT ON COLUMN tags.tag IS 'The tag text as given';
COMMENT ON COLUMN tags.tagged_at IS 'When, as a UTC timestamp without time zone';
COMMENT ON COLUMN tags.load_id IS 'The load that added this tag';
