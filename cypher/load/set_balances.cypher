// Set each customer's month-end balance history and current AUM.
// Parameters: rows [{customer_id, months, balances, aum}]. Columns: none.
UNWIND $rows AS row
MATCH (c:Customer {customer_id: row.customer_id})
SET c.balance_months = row.months, c.balance_history = row.balances, c.aum = row.aum
