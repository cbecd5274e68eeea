"""crm_graph.ingest."""
