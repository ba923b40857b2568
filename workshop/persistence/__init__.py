"""Persistence: the core tables, the engine and session lifecycle, and schema migrations."""
