"""What SQLAlchemy checks `Table(..., spanner_interleave_in=...)` against, registered as the "spanner" dialect.

Like the real dialect (sqlalchemy-spanner's `SpannerDialect`, `construct_arguments = None`) it accepts any
spanner_* option; loading the real one for that check would import the Spanner client into every process
that imports the schema, each Airflow task included (seconds of CPU). Engines for spanner+spanner:// (the
`spanner.spanner` entry point) and the DDL renderer still use the real dialect."""

from sqlalchemy.engine.default import DefaultDialect


class SpannerTableOptions(DefaultDialect):
    name = "spanner"
    construct_arguments = None
