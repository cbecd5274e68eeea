// The largest influence clusters among a branch's customers (or the bank's), with the
// stored profile label. Parameters: branch_id (string or null), limit (integer).
// Columns: community, members, churn_rate, aum, label, size (the whole cluster's size).
MATCH (c:Customer)
WHERE c.community IS NOT NULL AND ($branch_id IS NULL OR c.branch_id = $branch_id)
WITH c.community AS community, count(c) AS members,
     toFloat(count(CASE WHEN c.status = 'churned' THEN 1 END)) / count(c) AS churn_rate,
     sum(coalesce(c.aum, 0.0)) AS aum
WHERE members >= 2
ORDER BY members DESC, community
LIMIT $limit
OPTIONAL MATCH (k:Cluster {community: community})
RETURN community, members, churn_rate, aum, k.label AS label, k.size AS size
ORDER BY members DESC, community
