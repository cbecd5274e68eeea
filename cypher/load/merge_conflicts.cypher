// Record the clusters the resolver refused to merge, for review. A conflict seen again
// keeps its status, decision and the time it was first recorded (loaded_at).
// Parameters: rows [{conflict_id, rule, reason, records, at}]. Columns: none.
UNWIND $rows AS row
MERGE (k:ResolutionConflict {conflict_id: row.conflict_id})
ON CREATE SET k.rule = row.rule, k.reason = row.reason, k.records = row.records,
              k.status = 'open', k.loaded_at = row.at
