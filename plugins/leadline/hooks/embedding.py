"""EmbeddingHook (`leadline_embeddings`): Vertex AI text embeddings when the connection is a Google Cloud
one (extras project_id, location, model), the deterministic local hashing embedding otherwise."""

from __future__ import annotations

from typing import Any

from leadline.hooks.google import GoogleBackedHook

DEFAULT_MODEL = "text-embedding-005"
VERTEX_BATCH = 250


class EmbeddingHook(GoogleBackedHook):
    conn_name_attr = "embeddings_conn_id"
    default_conn_name = "leadline_embeddings"
    conn_type = "leadline_embeddings"
    hook_name = "Leadline embeddings (local; Vertex AI on a Google Cloud connection)"
    google_backend = "vertex"
    embedded_backend = "local"

    def __init__(self, embeddings_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embeddings_conn_id = embeddings_conn_id

    def get_conn(self):
        """A google-genai client on Vertex AI (None for the local backend), one per hook."""
        return self.genai_client if self.uses_google else None

    @property
    def model(self) -> str:
        return self.extra.get("model", DEFAULT_MODEL)

    def embed(self, texts: list[str]) -> list[list[float]]:
        if self.backend == "local":
            from leadline.domain.embedding import embed

            return [embed(text) for text in texts]
        client, model = self.get_conn(), self.model
        vectors: list[list[float]] = []
        for start in range(0, len(texts), VERTEX_BATCH):
            response = client.models.embed_content(model=model, contents=texts[start:start + VERTEX_BATCH])
            vectors += [list(e.values) for e in response.embeddings]
        if len(vectors) != len(texts):
            raise ValueError("Vertex AI returned a different number of embeddings than texts sent")
        return vectors

    def test_connection(self) -> tuple[bool, str]:
        """Vertex: one one-word embedding request (checks credentials, project, region and model)."""
        try:
            [vector] = self.embed(["ping"])
        except Exception as exc:
            return False, f"{self.backend}: {type(exc).__name__}: {exc}"
        return True, f"{self.backend} embeddings ready ({len(vector)} dimensions)"
