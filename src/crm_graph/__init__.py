"""crm-graph: a graph-based customer relationship model for banks.

Source systems are projected into one Neo4j graph (``crm_graph.ingest``), scored
with graph algorithms (``crm_graph.analytics``) and served by a thin API
(``crm_graph.api``). See docs/architecture.md.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
