"""Ingestion: load declarations, inspections, events, trade flows, seizures and parties from CSV,
Parquet or JSON-lines files into the warehouse through the quality gate.

A mapping (YAML: source column -> canonical field) says how a file's columns read; every row the gate
refuses goes to quarantine with its reasons (rows in = rows accepted + rows quarantined), and a file
already loaded (same hash) is not loaded twice. ``clearsight ingest`` and ``clearsight quarantine``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.ingest.load import IngestResult, ingest_file
    from clearsight.ingest.mapping import Mapping, MappingError, default_mapping, load_mapping
    from clearsight.ingest.readers import FileRefused

__all__ = [
    "FileRefused",
    "IngestResult",
    "Mapping",
    "MappingError",
    "default_mapping",
    "ingest_file",
    "load_mapping",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "IngestResult": "load",
        "ingest_file": "load",
        "Mapping": "mapping",
        "MappingError": "mapping",
        "default_mapping": "mapping",
        "load_mapping": "mapping",
        "FileRefused": "readers",
    },
)
