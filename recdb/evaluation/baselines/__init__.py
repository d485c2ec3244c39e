"""Baselines evaluated beside the model: Predictors with ``fit(train, catalog)``."""

from __future__ import annotations

from recdb.evaluation.baselines.base import Baseline
from recdb.evaluation.baselines.bias import BiasBaseline
from recdb.evaluation.baselines.demographic import DemographicMean
from recdb.evaluation.baselines.ease import EASE
from recdb.evaluation.baselines.genre_mean import GenreMean
from recdb.evaluation.baselines.global_mean import GlobalMean
from recdb.evaluation.baselines.item_knn import ItemKNN
from recdb.evaluation.baselines.popularity import Popularity
from recdb.evaluation.baselines.ubcf import UserKNN
from recdb.settings import EvaluateSettings

#: Cold-start fallbacks the model's cold-start claim is checked against, by split kind.
COLD_FALLBACKS: dict[str, tuple[str, ...]] = {
    "cold_users": ("demographic", "popularity"),
    "cold_movies": ("genre_mean", "popularity"),
}


def all_baselines(settings: EvaluateSettings) -> list[Baseline]:
    """A fresh, unfitted instance of every baseline, configured from ``settings``."""
    return [
        GlobalMean(),
        BiasBaseline(),
        Popularity(),
        UserKNN(neighbors=settings.neighbors, similarity=settings.similarity),
        ItemKNN(neighbors=settings.neighbors, similarity=settings.similarity),
        EASE(lam=settings.ease_lambda),
        DemographicMean(),
        GenreMean(),
    ]


__all__ = [
    "COLD_FALLBACKS",
    "EASE",
    "Baseline",
    "BiasBaseline",
    "DemographicMean",
    "GenreMean",
    "GlobalMean",
    "ItemKNN",
    "Popularity",
    "UserKNN",
    "all_baselines",
]
