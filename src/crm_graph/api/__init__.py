"""crm_graph.api."""
