// Products per customer at each reference date, in one pass over the accounts: open
// categories, accounts closed and opened in the six months before.
// Parameters: windows (list of maps {as_of: string; half_year: as_of - 6 months}).
// Columns: as_of, customer_id, categories, closed_6m, opened_6m.
MATCH (c:Customer)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
WITH c, a.opened_on AS opened, a.closed_on AS closed_on, p.category AS category
UNWIND $windows AS w
WITH c, opened, closed_on, category, w
WHERE opened IS NULL OR opened < w.as_of
WITH w.as_of AS as_of, c, opened, category, w.half_year AS half_year,
     closed_on IS NOT NULL AND closed_on < w.as_of AS closed, closed_on
RETURN as_of, c.customer_id AS customer_id,
       count(DISTINCT CASE WHEN NOT closed THEN category END) AS categories,
       count(CASE WHEN closed AND closed_on >= half_year THEN 1 END) AS closed_6m,
       count(CASE WHEN opened >= half_year THEN 1 END) AS opened_6m
