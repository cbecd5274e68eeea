"""crm_graph.generate."""
