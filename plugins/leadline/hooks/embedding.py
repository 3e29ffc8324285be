"""EmbeddingHook (`leadline_embeddings`): Vertex AI text embeddings when the connection is a Google Cloud
one (extras project_id, location, model), the deterministic local hashing embedding otherwise."""

from __future__ import annotations

from typing import Any

from airflow.sdk.bases.hook import BaseHook

from leadline.hooks.connections import optional_connection
from leadline.hooks.google import credentials_from_extra

DEFAULT_MODEL = "text-embedding-005"
VERTEX_BATCH = 250


class EmbeddingHook(BaseHook):
    conn_name_attr = "embeddings_conn_id"
    default_conn_name = "leadline_embeddings"
    conn_type = "leadline_embeddings"
    hook_name = "Leadline embeddings"

    def __init__(self, embeddings_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embeddings_conn_id = embeddings_conn_id

    def _connection(self):
        conn = optional_connection(self.embeddings_conn_id)
        return conn if conn is not None and conn.conn_type == "google_cloud_platform" else None

    @property
    def backend(self) -> str:
        return "vertex" if self._connection() is not None else "local"

    def get_conn(self):
        conn = self._connection()
        if conn is None:
            return None
        from google import genai
        from google.genai import types

        extra = conn.extra_dejson
        http_options = types.HttpOptions(base_url=extra["api_endpoint"]) if extra.get("api_endpoint") else None
        return genai.Client(vertexai=True, project=extra.get("project_id"), location=extra.get("location",
                            "us-central1"), credentials=credentials_from_extra(extra), http_options=http_options)

    def embed(self, texts: list[str]) -> list[list[float]]:
        if self.backend == "local":
            from leadline.domain.embedding import embed

            return [embed(text) for text in texts]
        client = self.get_conn()  # keep a reference: the client closes its transport when collected
        model = self._connection().extra_dejson.get("model", DEFAULT_MODEL)
        vectors: list[list[float]] = []
        for start in range(0, len(texts), VERTEX_BATCH):
            response = client.models.embed_content(model=model, contents=texts[start:start + VERTEX_BATCH])
            vectors += [list(e.values) for e in response.embeddings]
        if len(vectors) != len(texts):
            raise ValueError("Vertex AI returned a different number of embeddings than texts sent")
        return vectors
