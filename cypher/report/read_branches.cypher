// Branches with their name, city and how many customers call them home.
// Parameters: none. Columns: branch_id, name, city, customers.
MATCH (b:Branch)
RETURN b.branch_id AS branch_id, b.name AS name, b.city AS city,
       COUNT { (:Customer)-[:HOME_BRANCH]->(b) } AS customers
ORDER BY branch_id
