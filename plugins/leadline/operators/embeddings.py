"""Embeddings backfill: rows of every declared source (leadline.store.embeddings) still without a vector."""

from __future__ import annotations

from typing import Any

from leadline.operators.base import StoreOperator


class EmbeddingsOperator(StoreOperator):
    """Fills NULL embeddings of emails, call transcripts and Dialpad transcripts, `limit` rows per source and
    run (oldest first), through EmbeddingHook (Vertex AI or local), and reports the backlog left."""

    template_fields = ("limit",)

    def __init__(self, *, limit: int | str = 1000, embeddings_conn_id: str = "leadline_embeddings",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limit = limit
        self.embeddings_conn_id = embeddings_conn_id

    def execute(self, context) -> dict:
        from leadline.hooks.embedding import EmbeddingHook
        from leadline.store.embeddings import (
            EMBEDDING_SOURCES,
            embedding_backlog_all_tenants,
            save_embeddings,
            unembedded_texts_all_tenants,
        )

        hook = EmbeddingHook(self.embeddings_conn_id)
        report = {}
        for source in EMBEDDING_SOURCES:
            texts = unembedded_texts_all_tenants(self.engine, source, int(self.limit))
            rows = [(tenant_id, key, text) for tenant_id, by_key in texts.items() for key, text in by_key.items()]
            # One embedding call per source and run, whatever the number of tenants in the batch.
            vectors = hook.embed([text for _, _, text in rows]) if rows else []
            by_tenant: dict[str, dict[str, list[float]]] = {}
            for (tenant_id, key, _), vector in zip(rows, vectors, strict=True):
                by_tenant.setdefault(tenant_id, {})[key] = vector
            for tenant_id, tenant_vectors in by_tenant.items():
                save_embeddings(self.engine, tenant_id, source, tenant_vectors)
            backlog = embedding_backlog_all_tenants(self.engine, source)
            report[source.name] = {"embedded": len(rows), "backlog": sum(backlog.values())}
        self.log.info("embeddings: %s", report)
        return report
