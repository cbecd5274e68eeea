// Record the undo of a merge: a split event linked to the merge it undoes.
// Parameters: event_id, split_id, at, by, reason (strings), customer_ids, records
// ([string]). Columns: none.
MATCH (e:ResolutionEvent {event_id: $event_id})
MERGE (s:ResolutionEvent {event_id: $split_id})
ON CREATE SET s.kind = 'split', s.at = $at, s.by = $by, s.reason = $reason,
              s.customer_ids = $customer_ids, s.into_id = e.into_id, s.records = $records,
              s.undoes = $event_id
SET e.undone_by = $split_id
