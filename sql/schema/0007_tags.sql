-- tags: free-text tags, for releases that have them (ml-10m and later).
-- No FOREIGN KEY clauses on purpose: see 0005_movie_genres.sql; recdb load checks the references.
CREATE TABLE tags (
    user_id   INTEGER NOT NULL,
    movie_id  INTEGER NOT NULL,
    tag       VARCHAR NOT NULL,
    tagged_at TIMESTAMP NOT NULL,
    load_id   INTEGER NOT NULL
);
COMMENT ON TABLE tags IS 'User-applied tags (ml-10m and later); empty for releases without tags';
COMMENT ON COLUMN tags.user_id IS 'Who tagged (references users.user_id; checked by recdb load)';
COMMENT ON COLUMN tags.movie_id IS 'What was tagged (references movies.movie_id; checked by recdb load)';
COMMENT ON COLUMN tags.tag IS 'The tag text as given';
COMMENT ON COLUMN tags.tagged_at IS 'When, as a UTC timestamp without time zone';
COMMENT ON COLUMN tags.load_id IS 'The load that added this tag (references loads.load_id)';
