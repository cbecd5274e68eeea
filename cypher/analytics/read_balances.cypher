// Every customer's month-end balances, one line per customer and month, packed as text for
// Database.read_lines (grouped by the first four characters of the customer id).
// Parameters: none. Columns: lines (list of "customer_id,month,balance"; month 'YYYY-MM').
MATCH (c:Customer)
WHERE c.balance_months IS NOT NULL AND c.balance_history IS NOT NULL
WITH left(c.customer_id, 4) AS bucket, c.customer_id AS id, c.balance_months AS months,
     c.balance_history AS history
UNWIND range(0, size(months) - 1) AS i
WITH bucket, id + ',' + coalesce('"' + replace(toString(months[i]), '"', '""') + '"', '') + ',' +
     coalesce(toString(history[i]), '') AS line
WITH bucket, collect(line) AS lines
RETURN lines
