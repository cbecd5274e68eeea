// Identity-resolution events, newest first. Parameters: kind (string or null), limit
// (integer). Columns: event_id, kind, at, by, reason, into_id, customer_ids, records,
// undone_by_event.
MATCH (e:ResolutionEvent)
WHERE $kind IS NULL OR e.kind = $kind
RETURN e.event_id AS event_id, e.kind AS kind, e.at AS at, e.by AS by, e.reason AS reason,
       e.into_id AS into_id, e.customer_ids AS customer_ids, size(e.records) AS records,
       e.undone_by AS undone_by_event
ORDER BY e.at DESC, e.event_id
LIMIT $limit
