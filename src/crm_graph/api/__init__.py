"""The HTTP API (FastAPI): ``crm-graph serve``; see :func:`crm_graph.api.main.create_app`."""

from crm_graph.api.main import create_app

__all__ = ["create_app"]
