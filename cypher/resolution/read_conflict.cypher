// One conflict's status and decision. Parameters: conflict_id. Columns: conflict_id,
// status, decided_by, decided_at.
MATCH (k:ResolutionConflict {conflict_id: $conflict_id})
RETURN k.conflict_id AS conflict_id, k.status AS status, k.decided_by AS decided_by,
       k.decided_at AS decided_at
