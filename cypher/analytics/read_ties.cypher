// Customer ties for the in-process analytics (networkx, churn, cross-sell), packed as text for
// Database.read_lines: one line per tie, grouped by the first four characters of the source
// customer's id (a few thousand records at any size, instead of one per tie).
// Parameters: none. Columns: lines (list of "a,b,type,amount,count": customer ids, the tie's
// type, amount and count (TRANSFERS only; empty when null)).
MATCH (x:Customer)-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]->(y:Customer)
WITH left(x.customer_id, 4) AS bucket,
     x.customer_id + ',' + y.customer_id + ',' + type(r) + ',' +
     coalesce(toString(r.amount), '') + ',' + coalesce(toString(r.count), '') AS line
WITH bucket, collect(line) AS lines
RETURN lines
