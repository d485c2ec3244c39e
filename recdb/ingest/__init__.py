"""MovieLens ingestion: ``load_dataset`` reads any GroupLens layout (folder or zip) into DuckDB.

``recdb.ingest.demo`` generates demo data and ``recdb.ingest.fetch`` downloads releases; both are
imported on demand (they are not needed to load a local copy).
"""

from recdb.ingest.load import LoadResult, load_dataset

__all__ = ["LoadResult", "load_dataset"]
