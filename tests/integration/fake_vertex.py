"""What Vertex AI refuses, for the REST fake in fake_google.py, with Google's error shapes (fake_errors.Refusal):

- a model the publisher does not have -> 404 NOT_FOUND, Vertex's "Publisher Model ... was not found";
- generateContent / countTokens without contents, or a content without parts -> 400 INVALID_ARGUMENT;
- generateContent that does not ask for the JSON answer the prompt describes -> 400 INVALID_ARGUMENT naming the
  field: generationConfig.responseMimeType must be application/json and generationConfig.responseJsonSchema
  (or responseSchema) a valid JSON Schema of an object whose properties are exactly the fields the prompt's
  numbered instructions name ("5. customer_phone: ...", "9. budget_min / budget_max: ...").
"""

from __future__ import annotations

import re

from jsonschema import SchemaError
from jsonschema.validators import validator_for

from tests.integration.fake_errors import Refusal

GEMINI_MODELS = frozenset({"gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-2.0-flash-001",
                           "gemini-2.0-flash-lite-001"})
EMBEDDING_MODELS = frozenset({"text-embedding-005", "text-embedding-004", "text-multilingual-embedding-002",
                              "gemini-embedding-001"})
MODELS_BY_METHOD = {"generateContent": GEMINI_MODELS, "countTokens": GEMINI_MODELS, "predict": EMBEDDING_MODELS}
# a field the prompt asks for: an instruction's first word, or one after "; " or " / ", followed by ":" or " /"
ASKED_FIELD = re.compile(r"(?:^\s*\d+\.\s+|;\s+|/\s+)([a-z][a-z_]*)(?=\s*[:/])", re.MULTILINE)


def model_refusal(resource: str, method: str) -> Refusal | None:
    """`resource`: projects/P/locations/L/publishers/google/models/M."""
    if resource.rsplit("/", 1)[1] in MODELS_BY_METHOD.get(method, ()):
        return None
    return Refusal("NOT_FOUND", f"Publisher Model `{resource}` was not found or your project does not have access "
                                "to it. Please ensure you are using a valid model version. For more information, "
                                "see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions")


def contents_refusal(body: dict) -> Refusal | None:
    contents = body.get("contents") or []
    if contents and all(content.get("parts") for content in contents):
        return None
    return Refusal("INVALID_ARGUMENT", "Unable to submit request because it must include at least one parts field, "
                                       "which describes the prompt input. Learn more: https://cloud.google.com/"
                                       "vertex-ai/generative-ai/docs/model-reference/gemini", "contents")


def prompt_fields(prompt: str) -> set[str]:
    """The answer fields the prompt's instructions ask for (the transcript after them is not read)."""
    instructions = prompt.split("\nTranscript", 1)[0]
    return set(ASKED_FIELD.findall(instructions))


def schema_refusal(body: dict) -> Refusal | None:
    generation = body.get("generationConfig") or {}
    if generation.get("responseMimeType") != "application/json":
        return Refusal("INVALID_ARGUMENT", "The prompt asks for a JSON answer: responseMimeType must be "
                                           "application/json.", "generation_config.response_mime_type")
    schema = generation.get("responseJsonSchema") or generation.get("responseSchema")
    if not schema:
        return Refusal("INVALID_ARGUMENT", "The prompt asks for fields: a response schema is required.",
                       "generation_config.response_json_schema")
    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        return Refusal("INVALID_ARGUMENT", f"Invalid JSON schema: {exc.message}.",
                       "generation_config.response_json_schema")
    prompt = "\n".join(part.get("text", "") for content in body["contents"] for part in content["parts"])
    asked, answered = prompt_fields(prompt), set(schema.get("properties") or {})
    if schema.get("type") != "object" or asked != answered:
        return Refusal("INVALID_ARGUMENT", "The response schema is not the object the prompt asks for: missing "
                                           f"{sorted(asked - answered)}, not asked for {sorted(answered - asked)}.",
                       "generation_config.response_json_schema")
    return None


def request_refusal(resource: str, method: str, body: dict) -> Refusal | None:
    """Why Vertex would refuse `body` sent to `resource:method`, or None when it would answer it."""
    found = model_refusal(resource, method)
    if found or method == "predict":
        return found
    found = contents_refusal(body)
    if found or method == "countTokens":
        return found
    return schema_refusal(body)
