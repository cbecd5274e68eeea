"""crm_graph.analytics."""
