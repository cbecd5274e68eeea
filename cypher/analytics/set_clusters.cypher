// Write communities and influence computed outside GDS (networkx backend).
// Parameters: rows [{customer_id, community, influence}]. Columns: none.
UNWIND $rows AS row
MATCH (c:Customer {customer_id: row.customer_id})
SET c.community = row.community, c.influence = row.influence
