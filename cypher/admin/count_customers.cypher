// Number of golden customers.
// Parameters: none. Columns: customers (integer).
MATCH (c:Customer)
RETURN count(c) AS customers
