// Every account's owner and product with its dates (what customers hold and since when),
// packed as text for Database.read_lines (grouped by the first four characters of the
// customer id).
// Parameters: none. Columns: lines (list of "customer_id,product_id,opened_on,closed_on";
// closed_on '0000-00-00' for an account closed without a date; empty when null).
MATCH (c:Customer)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
WITH left(c.customer_id, 4) AS bucket,
     c.customer_id + ',' + coalesce('"' + replace(toString(p.product_id), '"', '""') + '"', '') + ',' +
     coalesce('"' + replace(toString(a.opened_on), '"', '""') + '"', '') + ',' +
     coalesce('"' + replace(toString(CASE WHEN a.closed_on IS NOT NULL THEN toString(a.closed_on)
                        WHEN a.status = 'closed' THEN '0000-00-00' END), '"', '""') + '"', '') AS line
WITH bucket, collect(line) AS lines
RETURN lines
