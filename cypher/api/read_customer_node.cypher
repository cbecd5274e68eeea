// One customer's summary for graph views. Parameters: customer_id (string).
// Columns: node (map).
MATCH (y:Customer {customer_id: $customer_id})
RETURN {customer_id: y.customer_id, name: y.name, kind: y.kind, tier: y.tier, status: y.status,
        community: y.community, influence: y.influence, churn_risk: y.churn_risk} AS node
