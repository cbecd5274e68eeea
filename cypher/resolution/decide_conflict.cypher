// Record a reviewer's decision on an open conflict and pin its records: 'accept' gives
// each record the must-link tag `same_as` (the next load makes them one customer),
// 'reject' the cannot-link tag `keep_apart` "<conflict_id>=<customer_id>" (no load joins
// records of different customers of the conflict). Parameters: conflict_id, decision,
// by, reason, at. Columns: conflict_id, status, pinned.
MATCH (k:ResolutionConflict {conflict_id: $conflict_id})
WHERE k.status = 'open'
SET k.status = CASE $decision WHEN 'accept' THEN 'accepted' ELSE 'rejected' END,
    k.decided_by = $by, k.decided_at = $at, k.decision_reason = $reason
WITH k
CALL (k) {
  UNWIND k.records AS key
  WITH key, split(key, ':') AS parts
  MATCH (s:SourceRecord {system: parts[0], record_id: substring(key, size(parts[0]) + 1)})
        -[:RESOLVES_TO]->(c:Customer)
  SET s.same_as = CASE $decision
        WHEN 'accept' THEN [p IN coalesce(s.same_as, []) WHERE p <> k.conflict_id] + k.conflict_id
        ELSE s.same_as END,
      s.keep_apart = CASE $decision
        WHEN 'reject' THEN [p IN coalesce(s.keep_apart, [])
                            WHERE NOT p STARTS WITH k.conflict_id + '=']
                           + (k.conflict_id + '=' + c.customer_id)
        ELSE s.keep_apart END
  RETURN count(s) AS pinned
}
RETURN k.conflict_id AS conflict_id, k.status AS status, pinned
