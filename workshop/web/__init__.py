"""The HTTP edge: pages, the JSON API and plan downloads."""
