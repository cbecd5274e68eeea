// Whether an analysis has ever written its results (for a 409 instead of an empty list).
// Parameters: analysis ('churn', 'clusters' or 'crosssell'). Columns: ran (boolean).
RETURN CASE $analysis
  WHEN 'churn' THEN EXISTS { MATCH (c:Customer) WHERE c.churn_computed_at IS NOT NULL }
  WHEN 'clusters' THEN EXISTS { MATCH (c:Customer) WHERE c.clusters_computed_at IS NOT NULL }
  WHEN 'crosssell' THEN EXISTS { MATCH ()-[:RECOMMENDED]->() }
  ELSE false
END AS ran
