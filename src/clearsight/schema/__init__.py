"""The canonical data model: every table clearsight reads and writes, field by field."""

from clearsight.schema.tables import (
    DATA_TABLES,
    KINDS,
    LINEAGE_COLUMNS,
    TABLES,
    Field,
    Table,
    get_table,
)

__all__ = ["DATA_TABLES", "KINDS", "LINEAGE_COLUMNS", "TABLES", "Field", "Table", "get_table"]
