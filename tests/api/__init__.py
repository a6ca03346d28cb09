"""Black-box API tests for zsz-api: a real server, a real PostgreSQL, real HTTP.

Run from the repository root with `python3 -m tests.api [filter...]` (scripts/test.sh sets the
environment; see client.py). Standard library, python3-yaml and python3-jsonschema
(contract.py).
"""
