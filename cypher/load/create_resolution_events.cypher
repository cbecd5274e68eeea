// Record merges and splits of golden customers for audit (who, when, why, what).
// A re-run of a load that died after recording a merge finds the same event.
// Parameters: rows [{event_id, kind, at, by, reason, customer_ids, into_id, records,
// previous, snapshots}] (previous: each record's customer before the merge, "" if new;
// snapshots: JSON of each merged-away customer's properties). Columns: none.
UNWIND $rows AS row
MERGE (e:ResolutionEvent {event_id: row.event_id})
ON CREATE SET e.kind = row.kind, e.at = row.at, e.by = row.by, e.reason = row.reason,
              e.customer_ids = row.customer_ids, e.into_id = row.into_id,
              e.records = row.records, e.previous = row.previous, e.snapshots = row.snapshots
