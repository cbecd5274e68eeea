// Products per customer at a reference date: open categories, accounts closed and opened in
// the six months before. Parameters: as_of (string), half_year (string: as_of - 6 months).
// Columns: customer_id, categories, closed_6m, opened_6m.
MATCH (c:Customer)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
WHERE a.opened_on IS NULL OR a.opened_on < $as_of
WITH c, a, p,
     a.closed_on IS NOT NULL AND a.closed_on < $as_of AS closed
RETURN c.customer_id AS customer_id,
       count(DISTINCT CASE WHEN NOT closed THEN p.category END) AS categories,
       count(CASE WHEN closed AND a.closed_on >= $half_year THEN 1 END) AS closed_6m,
       count(CASE WHEN a.opened_on >= $half_year THEN 1 END) AS opened_6m
