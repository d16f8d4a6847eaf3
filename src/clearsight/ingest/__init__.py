"""Ingestion: readers, mapping, normalisation, the quality gate and quarantine."""
