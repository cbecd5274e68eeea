// Customer ids named by resolution events (merged-away customers an undo may bring
// back), which a new customer must not get. Parameters: none. Columns: customer_id.
MATCH (e:ResolutionEvent)
UNWIND coalesce(e.customer_ids, []) + [e.into_id] AS customer_id
WITH DISTINCT customer_id
WHERE customer_id IS NOT NULL
RETURN customer_id
