"""recdb: batch movie recommendations with a DuckDB backend.

The data path is MovieLens → DuckDB (``recdb.ingest``) → Polars tensors (``recdb.features``) →
PyTorch (``recdb.model``, ``recdb.training``) → scored tables in DuckDB (``recdb.scoring``), with
``recdb.evaluation`` checking the paper's claims and ``recdb.nightly`` tying it together for cron.
"""

__version__ = "0.1.0"
