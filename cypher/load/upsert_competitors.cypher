// Upsert competitors. Parameters: rows [{competitor_id, props}]. Columns: none.
UNWIND $rows AS row
MERGE (k:Competitor {competitor_id: row.competitor_id})
SET k += row.props
