// Stamp when and how clusters were computed on every customer.
// Parameters: computed_at (string), backend (string). Columns: customers (integer).
MATCH (c:Customer)
SET c.clusters_computed_at = $computed_at, c.clusters_backend = $backend
RETURN count(c) AS customers
