// Conflicts the resolver refused to merge, newest first, with each record's customer
// now. Parameters: status (null: any), limit. Columns: conflict_id, rule, reason, status,
// at (first recorded), decided_by, decided_at, decision_reason, records [{record,
// customer_id}].
MATCH (k:ResolutionConflict)
WHERE $status IS NULL OR k.status = $status
WITH k ORDER BY k.loaded_at DESC, k.conflict_id LIMIT $limit
CALL (k) {
  UNWIND k.records AS key
  WITH key, split(key, ':') AS parts
  OPTIONAL MATCH (s:SourceRecord {system: parts[0], record_id: substring(key, size(parts[0]) + 1)})
                 -[:RESOLVES_TO]->(c:Customer)
  RETURN collect({record: key, customer_id: c.customer_id}) AS records
}
RETURN k.conflict_id AS conflict_id, k.rule AS rule, k.reason AS reason,
       k.status AS status, k.loaded_at AS at, k.decided_by AS decided_by,
       k.decided_at AS decided_at, k.decision_reason AS decision_reason, records
