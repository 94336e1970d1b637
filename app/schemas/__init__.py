"""The API contract (pydantic v2): XCreate, XUpdate, XRead per domain."""
