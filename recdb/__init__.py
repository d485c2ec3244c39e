"""recdb: batch movie recommendations with a DuckDB backend.

The data path is MovieLens → DuckDB (``recdb.ingest``) → Polars tensors (``recdb.features``) →
PyTorch (``recdb.model``, ``recdb.training``) → scored tables in DuckDB (``recdb.scoring``), with
``recdb.evaluation`` checking the paper's claims and ``recdb.nightly`` tying it together for cron.

The Python API for consumers (:mod:`recdb.api`): ``recdb.connect()``, ``recdb.recommendations()``,
``recdb.predict()`` and ``recdb.recommend()``.
"""

from recdb.api import connect, predict, recommend, recommendations

__version__ = "0.1.0"

__all__ = ["__version__", "connect", "predict", "recommend", "recommendations"]
