// Customers who left, and when (what tie weights learn churn follows from).
// Parameters: none. Columns: customer_id, churned_on (string).
MATCH (c:Customer)
WHERE c.churned_on IS NOT NULL
RETURN c.customer_id AS customer_id, toString(c.churned_on) AS churned_on
