-- score_run_quality: how the lists of each published run look beyond accuracy (issue 14), computed in
-- the run's publish transaction (sql/scoring/quality.sql), before retention removes older runs' rows.
CREATE TABLE score_run_quality (
    run_id                        INTEGER PRIMARY KEY REFERENCES score_runs (run_id),
    computed_at                   TIMESTAMPTZ NOT NULL,
    catalogue_coverage            DOUBLE,
    genre_diversity_at_10         DOUBLE,
    novelty_popularity_percentile DOUBLE,
    previous_run_id               INTEGER,
    overlap_at_10                 DOUBLE,
    users_compared                BIGINT NOT NULL
);
COMMENT ON TABLE score_run_quality IS 'One row per published scoring run: catalogue coverage, genre diversity, novelty and the overlap with the previous published run of its lists (recdb status shows the published run''s, the evaluation report plots them over runs)';
COMMENT ON COLUMN score_run_quality.run_id IS 'The scoring run (score_runs.run_id)';
COMMENT ON COLUMN score_run_quality.computed_at IS 'When the figures were computed: in the run''s publish transaction (UTC)';
COMMENT ON COLUMN score_run_quality.catalogue_coverage IS 'Share of the catalogue''s movies (movies table) that appear in at least one user''s list, all ranks of the published lists (0-1); NULL for an empty catalogue';
COMMENT ON COLUMN score_run_quality.genre_diversity_at_10 IS 'Intra-list genre diversity: per user, the mean over every pair of movies in the top 10 of the genre Jaccard distance 1 - |G1 ∩ G2| / |G1 ∪ G2| (two movies without genres: 0), then the mean over users with at least two movies listed (0 = every listed movie has the same genres, 1 = no two share one); NULL when no user has two';
COMMENT ON COLUMN score_run_quality.novelty_popularity_percentile IS 'Novelty as the mean popularity percentile of every recommended row: a movie''s popularity is its number of ratings in the ratings table (the data the run was scored and its model trained on), its percentile the percent_rank among catalogue movies (0 = least rated, 1 = most rated); lower = more novel lists';
COMMENT ON COLUMN score_run_quality.previous_run_id IS 'The previous published run the overlap compares with (the newest published run before this one on the same data set, i.e. since the newest initial or replace load); NULL for the first run of a data set';
COMMENT ON COLUMN score_run_quality.overlap_at_10 IS 'Night-to-night stability: per user present in both runs, |top 10 now ∩ top 10 of previous_run_id| / the longer of the two lists, then the mean over those users (1 = unchanged lists); NULL without a previous run or common users. recdb status --check alerts below nightly.min_list_overlap';
COMMENT ON COLUMN score_run_quality.users_compared IS 'Users present in both runs (the users overlap_at_10 averages over); 0 without a previous run';
