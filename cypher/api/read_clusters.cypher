// Stored clusters, largest first, keyset-paginated after (size, community).
// Parameters: min_size (integer), after_size (integer or null), after_community (integer or
// null), limit (integer). Columns: community, size, label, aum, fee_income, churn_rate,
// computed_at.
MATCH (k:Cluster)
WHERE k.size >= $min_size
  AND ($after_size IS NULL OR k.size < $after_size
       OR (k.size = $after_size AND k.community > $after_community))
RETURN k.community AS community, k.size AS size, k.label AS label, k.aum AS aum,
       k.fee_income AS fee_income, k.churn_rate AS churn_rate, k.computed_at AS computed_at
ORDER BY size DESC, community
LIMIT $limit
