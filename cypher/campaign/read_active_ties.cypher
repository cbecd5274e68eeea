// Ties between customers who have not churned, for word-of-mouth simulation, packed as text
// for Database.read_lines (lines grouped by the first four characters of the source
// customer's id).
// Parameters: none. Columns: lines (list of "a,b,type,amount,count": customer ids, the tie's
// type, amount and count (empty when null)).
MATCH (x:Customer)-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]->(y:Customer)
WHERE coalesce(x.status, 'active') <> 'churned' AND coalesce(y.status, 'active') <> 'churned'
WITH left(x.customer_id, 4) AS bucket,
     x.customer_id + ',' + y.customer_id + ',' + type(r) + ',' +
     coalesce(toString(r.amount), '') + ',' + coalesce(toString(r.count), '') AS line
WITH bucket, collect(line) AS lines
RETURN lines
