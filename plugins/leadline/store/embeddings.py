"""Where embeddings live: the rows whose text is embedded, declared once per source, and the repository
functions that find rows still without a vector, store vectors, and count the backlog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, and_, bindparam, func, or_, select, update

from leadline.store.schema import call_records, dialpad_calls, gmail_messages


def email_text(row: Any) -> str:
    """Subject and body (the snippet when the body is gone, e.g. purged)."""
    return f"{row.subject or ''}\n{row.body or row.snippet or ''}"


def transcript_text(row: Any) -> str:
    return row.transcript or ""


@dataclass(frozen=True)
class EmbeddingSource:
    name: str  # the key in the operator's report
    table: Table
    key: str  # the row's natural id within its tenant
    vector: str  # the column the embedding is written to
    oldest_first_by: str
    text_columns: tuple[str, ...]
    text_of: Callable[[Any], str]
    # Rows without this column's value have nothing to embed yet (calls not yet transcribed).
    required: str | None = None


EMBEDDING_SOURCES: tuple[EmbeddingSource, ...] = (
    EmbeddingSource("gmail_messages", gmail_messages, key="message_id", vector="embedding",
                    oldest_first_by="sent_at", text_columns=("subject", "body", "snippet"), text_of=email_text),
    EmbeddingSource("call_transcripts", call_records, key="call_id", vector="transcript_embedding",
                    oldest_first_by="created_at", text_columns=("transcript",), text_of=transcript_text,
                    required="transcript"),
    EmbeddingSource("dialpad_transcripts", dialpad_calls, key="call_id", vector="embedding",
                    oldest_first_by="call_time", text_columns=("transcript",), text_of=transcript_text,
                    required="transcript"),
)


def _pending(source: EmbeddingSource):
    table = source.table
    # a row whose text columns are all empty (erased, purged) has nothing to embed: not pending, not re-read
    return and_(table.c[source.vector].is_(None),
                or_(*(table.c[column].is_not(None) for column in source.text_columns)),
                *([table.c[source.required].is_not(None)] if source.required else []))


def unembedded_texts_all_tenants(engine: Engine, source: EmbeddingSource, limit: int
                                 ) -> dict[str, dict[str, str]]:
    """The `limit` oldest rows of this source without a vector, whichever tenant they belong to (the backlog is
    worked off oldest first across tenants), as tenant id -> {row id: text to embed}."""
    table = source.table
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.tenant_id, table.c[source.key].label("key"),
                                   *(table.c[c] for c in source.text_columns))
                            .where(_pending(source)).order_by(table.c[source.oldest_first_by]).limit(limit)).all()
    texts: dict[str, dict[str, str]] = {}
    for row in rows:
        texts.setdefault(row.tenant_id, {})[row.key] = source.text_of(row) or ""
    return texts


def save_embeddings(engine: Engine, tenant_id: str, source: EmbeddingSource, vectors: dict[str, list[float]]) -> None:
    """Row id -> vector for one tenant's rows of this source."""
    if not vectors:
        return
    table = source.table
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.tenant_id == tenant_id, table.c[source.key] == bindparam("k"))
                     .values({source.vector: bindparam("v")}),
                     [{"k": key, "v": vector} for key, vector in vectors.items()])


def embedding_backlog_all_tenants(engine: Engine, source: EmbeddingSource) -> dict[str, int]:
    """Tenant id -> rows of this source still waiting for a vector (tenants with none are left out)."""
    table = source.table
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.tenant_id, func.count().label("rows")).where(_pending(source))
                            .group_by(table.c.tenant_id)).all()
    return {row.tenant_id: row.rows for row in rows}
