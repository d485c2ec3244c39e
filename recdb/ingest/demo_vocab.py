"""Fixed vocabularies of the demo data generator: ML-1M's codes and frequencies, and title words.

The frequencies are ML-1M's own (users.dat, movies.dat), so generated data looks like the real
release to the loader and to anyone reading the files; the title words are ordinary English words,
some of which the generator gives a quality effect (see :mod:`recdb.ingest.demo_world`).
"""

from __future__ import annotations

import numpy as np

from recdb.ingest.layouts import ML_1M_GENRES

# ML-1M's 18 genres (the loader's list); multi-genre movies list them in this order.
GENRES: tuple[str, ...] = ML_1M_GENRES

# How many ML-1M movies carry each genre (same order as GENRES): genre choice follows these weights.
GENRE_COUNTS = np.array(
    [503, 283, 105, 251, 1200, 211, 127, 1603, 68, 44, 343, 114, 106, 471, 276, 492, 143, 68],
    dtype=np.float64,
)

# Mean rating of each genre in ML-1M minus the overall mean 3.58: the planted genre quality effect.
GENRE_OFFSETS = np.array(
    [
        -0.09,
        -0.11,
        0.10,
        -0.16,
        -0.06,
        0.13,
        0.35,
        0.19,
        -0.13,
        0.49,
        -0.36,
        0.09,
        0.09,
        0.03,
        -0.12,
        -0.01,
        0.31,
        0.05,
    ],
    dtype=np.float64,
)

# Number of genres per movie: 1, 2 or 3 (ML-1M has a few with more; three keeps the planted model simple).
GENRES_PER_MOVIE_P = np.array([0.52, 0.34, 0.14])

# ML-1M age codes and how many of its 6,040 users fall in each.
AGE_CODES = np.array([1, 18, 25, 35, 45, 50, 56], dtype=np.int64)
AGE_COUNTS = np.array([222, 1103, 2096, 1193, 550, 496, 380], dtype=np.float64)

# ML-1M occupation codes 0..20 and their user counts.
OCCUPATION_COUNTS = np.array(
    [711, 528, 267, 173, 759, 112, 236, 679, 17, 92, 195, 129, 388, 142, 302, 144, 241, 502, 70, 72, 281],
    dtype=np.float64,
)

# Share of male users in ML-1M (4,331 of 6,040).
MALE_SHARE = 0.717

# Release years: ML-1M's movies cluster in the 1990s with a long tail back to 1919.
YEAR_MIN, YEAR_MAX = 1919, 2000

# Rating timestamps span ML-1M's own range: 2000-04-25 .. 2003-02-28 (Unix seconds).
TIME_MIN, TIME_MAX = 956_703_932, 1_046_454_590

# Words titles are made of. A seeded subset carries a quality effect, so title text predicts ratings.
_WORDS = """
Love Night Day Dead Man Woman City Star War King Queen Dream Heart Blood Fire Ice Shadow Light Dark
Black White Red Blue Green Golden Silver Iron Stone Glass Paper River Ocean Sea Island Mountain
Valley Desert Forest Road Street House Home Room Door Window Garden Bridge Tower Castle Empire
Kingdom World Earth Moon Sun Sky Storm Rain Wind Thunder Winter Summer Spring Autumn Midnight
Morning Evening Tomorrow Yesterday Time Life Death Soul Spirit Ghost Angel Devil Hero Killer Thief
Hunter Soldier Doctor Lawyer Teacher Father Mother Brother Sister Son Daughter Family Friend
Stranger Lover Wife Husband Child Boy Girl Baby Kid Gang Army Team Club School Game Race Run Chase
Escape Return Revenge Secret Mystery Story Tale Legend Song Dance Music Party Wedding Funeral
Holiday Christmas Journey Voyage Mission Quest Last First Lost Found Wild Free Broken Hidden Silent
Crazy Happy Sweet Bitter Little Big Great Small Long Short High Deep Fast Slow Hot Cold Young Old
New Perfect Dangerous Beautiful Strange Final Lucky Lonely Private Public Royal Sacred Savage
American English French Texas Paris London Chicago Boston Vegas Hollywood Manhattan Brooklyn Mars
Alien Robot Machine Monster Dragon Wolf Tiger Horse Dog Cat Bird Eagle Snake Shark Bear Lion Crow
Money Gold Diamond Treasure Dollar Justice Honor Glory Power Fear Hope Faith Truth Lies Promise
Memory Kiss Smile Tears Blues Jazz Rock Heaven Hell Paradise Zone Point Line Edge Circle Code Files
Rules Games Nights Days Dreams Hearts
"""
TITLE_WORDS: tuple[str, ...] = tuple(_WORDS.split())
