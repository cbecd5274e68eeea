// How many product categories the catalogue has (the measure of full product breadth).
// Parameters: none. Columns: categories.
MATCH (p:Product) WHERE p.category IS NOT NULL
RETURN count(DISTINCT p.category) AS categories
