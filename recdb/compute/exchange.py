"""The exchange location: Parquet files the driver and the Ray workers pass to each other.

``compute.exchange_dir`` is a local folder or a URI pyarrow's filesystems understand (``s3://``,
``gs://``, ``hdfs://``); every file of one job goes under its own sub-folder, removed when the job
ends, so a failed run leaves nothing another run could read. No Ray import here.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from recdb.errors import ConfigError


@dataclass(frozen=True)
class Exchange:
    """One job's folder in the exchange location (picklable: Ray workers get it as is)."""

    uri: str  # the exchange location as configured (absolute for a local folder)
    folder: str  # this job's folder inside it, as the filesystem names it

    @property
    def filesystem(self) -> pafs.FileSystem:
        return pafs.FileSystem.from_uri(self.uri)[0]

    def path(self, name: str) -> str:
        return f"{self.folder}/{name}"

    def write(self, name: str, table: pa.Table) -> str:
        """Write ``table`` as ``name`` atomically where the filesystem allows (a retried writer
        overwrites its own file; readers never see half a file on a local disk)."""
        fs, final = self.filesystem, self.path(name)
        if isinstance(fs, pafs.LocalFileSystem):
            tmp = f"{final}.{uuid.uuid4().hex}.tmp"
            pq.write_table(table, tmp, filesystem=fs)
            os.replace(tmp, final)
        else:  # object stores write an object whole
            pq.write_table(table, final, filesystem=fs)
        return final

    def read(self, name: str) -> pa.Table:
        return pq.read_table(self.path(name), filesystem=self.filesystem)

    def remove(self) -> None:
        fs = self.filesystem
        if fs.get_file_info(self.folder).type != pafs.FileType.NotFound:
            fs.delete_dir(self.folder)


def open_exchange(location: str, job: str) -> Exchange:
    """A fresh folder ``job-<random>`` in ``location`` (a folder or a URI); ConfigError if unusable."""
    uri = location if "://" in location else os.path.abspath(location)
    try:
        fs, root = pafs.FileSystem.from_uri(uri)
        folder = f"{root.rstrip('/')}/{job}-{uuid.uuid4().hex[:12]}"
        fs.create_dir(folder, recursive=True)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise ConfigError(f"compute.exchange_dir {location!r} is not usable: {exc}") from None
    return Exchange(uri=uri, folder=folder)
