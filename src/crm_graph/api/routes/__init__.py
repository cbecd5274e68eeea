"""crm_graph.api.routes."""
