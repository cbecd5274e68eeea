// Record merges and splits of golden customers for audit (who, when, why, what).
// Parameters: rows [{event_id, kind, at, by, reason, customer_ids, into_id, records}]. Columns: none.
UNWIND $rows AS row
MERGE (e:ResolutionEvent {event_id: row.event_id})
SET e.kind = row.kind, e.at = row.at, e.by = row.by, e.reason = row.reason,
    e.customer_ids = row.customer_ids, e.into_id = row.into_id, e.records = row.records
