// Ties between customers of different clusters, counted per pair of clusters.
// Parameters: communities (list of integers). Columns: a, b (communities), ties.
MATCH (x:Customer)-[:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]->(y:Customer)
WHERE x.community IN $communities AND y.community IN $communities
  AND x.community <> y.community
WITH CASE WHEN x.community < y.community THEN x.community ELSE y.community END AS a,
     CASE WHEN x.community < y.community THEN y.community ELSE x.community END AS b
RETURN a, b, count(*) AS ties
ORDER BY a, b
