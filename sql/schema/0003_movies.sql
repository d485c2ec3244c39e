-- movies: the catalogue; the title is split into title and year once, here, for every consumer.
CREATE TABLE movies (
    movie_id  INTEGER PRIMARY KEY,
    title     VARCHAR NOT NULL,
    year      INTEGER,
    title_raw VARCHAR NOT NULL,
    load_id   INTEGER NOT NULL REFERENCES loads (load_id)
);
COMMENT ON TABLE movies IS 'MovieLens movies (the whole catalogue, rated or not)';
COMMENT ON COLUMN movies.movie_id IS 'MovieLens MovieID';
COMMENT ON COLUMN movies.title IS 'Title without the year, as MovieLens writes it (e.g. Shawshank Redemption, The)';
COMMENT ON COLUMN movies.year IS 'Release year from the title; NULL when the title has none; first year of a range like (2007-)';
COMMENT ON COLUMN movies.title_raw IS 'Title exactly as in the release file';
COMMENT ON COLUMN movies.load_id IS 'The load that added this movie';
