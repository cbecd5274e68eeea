// Products per customer at each reference date, in one pass over the accounts: open
// categories, accounts closed and opened in the six months before; packed as text for
// Database.read_lines (grouped by the first four characters of the customer id).
// The reference definition: churn computes the same from the holdings it already has
// (churn.products_as_of) instead of a second pass over the accounts; an integration test
// checks that both agree.
// Parameters: windows (list of maps {as_of: string; half_year: as_of - 6 months}).
// Columns: lines (list of "as_of,customer_id,categories,closed_6m,opened_6m").
MATCH (c:Customer)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
WITH c, a.opened_on AS opened, a.closed_on AS closed_on, p.category AS category
UNWIND $windows AS w
WITH c, opened, closed_on, category, w
WHERE opened IS NULL OR opened < w.as_of
WITH w.as_of AS as_of, c, opened, category, w.half_year AS half_year,
     closed_on IS NOT NULL AND closed_on < w.as_of AS closed, closed_on
WITH as_of, c.customer_id AS customer_id,
     count(DISTINCT CASE WHEN NOT closed THEN category END) AS categories,
     count(CASE WHEN closed AND closed_on >= half_year THEN 1 END) AS closed_6m,
     count(CASE WHEN opened >= half_year THEN 1 END) AS opened_6m
WITH left(customer_id, 4) AS bucket,
     as_of + ',' + customer_id + ',' + toString(categories) + ',' + toString(closed_6m) + ',' +
     toString(opened_6m) AS line
WITH bucket, collect(line) AS lines
RETURN lines
