// The properties of golden customers about to be merged away, kept in the merge event
// so that an undo can restore them. Parameters: ids [string]. Columns: customer_id, props.
UNWIND $ids AS id
MATCH (c:Customer {customer_id: id})
RETURN id AS customer_id, properties(c) AS props
