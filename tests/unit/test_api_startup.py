"""The API process's start-up, without a database (nothing is requested but /health)."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from crm_graph.api import create_app
from crm_graph.config import Settings


def test_startup_freezes_the_long_lived_objects_out_of_later_collections() -> None:
    # unfrozen, every full collection scanned the modules, the app and the driver:
    # 100 to 150 ms stalls for every request in flight (docs/api.md)
    settings = Settings(neo4j_uri="bolt://127.0.0.1:9", api_keys="analyst:unit-test-key")
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        with TestClient(create_app(settings)) as client:
            assert client.get("/health").status_code == 200
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
