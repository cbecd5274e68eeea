// Every account's owner and product with its dates (what customers hold and since when).
// Parameters: none. Columns: customer_id, product_id, opened_on, closed_on.
MATCH (c:Customer)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
RETURN c.customer_id AS customer_id, p.product_id AS product_id, a.opened_on AS opened_on,
       CASE WHEN a.closed_on IS NOT NULL THEN a.closed_on
            WHEN a.status = 'closed' THEN '0000-00-00' END AS closed_on
