-- genres: the genre vocabulary of the loaded release.
CREATE TABLE genres (
    genre_id SMALLINT PRIMARY KEY,
    name     VARCHAR NOT NULL UNIQUE
);
COMMENT ON TABLE genres IS 'Genre vocabulary (18 in ML-1M; more in later releases); (no genres listed) is not a genre';
COMMENT ON COLUMN genres.genre_id IS 'Genre number, 1-based, in alphabetical order of name';
COMMENT ON COLUMN genres.name IS 'Genre name as MovieLens writes it, e.g. Sci-Fi';
