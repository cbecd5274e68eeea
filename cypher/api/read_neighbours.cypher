// Ties of given customers (either direction) with the neighbours' summaries, strongest first.
// Parameters: ids (list of strings), limit (integer: ties per customer).
// Columns: source, target, type, amount, neighbour (map).
UNWIND $ids AS id
MATCH (x:Customer {customer_id: id})-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]-(y:Customer)
WITH x, r, y ORDER BY coalesce(r.amount, 0.0) DESC, y.customer_id
WITH x, collect({r: r, y: y})[0..$limit] AS ties
UNWIND ties AS t
WITH x, t.r AS r, t.y AS y
RETURN startNode(r).customer_id AS source, endNode(r).customer_id AS target, type(r) AS type,
       r.amount AS amount,
       {customer_id: y.customer_id, name: y.name, kind: y.kind, tier: y.tier, status: y.status,
        community: y.community, influence: y.influence, churn_risk: y.churn_risk} AS neighbour
