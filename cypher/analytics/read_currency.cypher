// The currency most of the graph's accounts are in (the mapping's `currency`).
// Parameters: none. Columns: currency (none when no account has one), accounts.
MATCH (a:Account)
WHERE a.currency IS NOT NULL
RETURN a.currency AS currency, count(a) AS accounts
ORDER BY accounts DESC, currency
LIMIT 1
