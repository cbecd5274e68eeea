// Delete golden customers left without any source record (after a merge moved them away),
// moving nothing: their relationships were re-pointed by the upserts. Parameters: ids [string].
// Columns: deleted (integer).
UNWIND $ids AS id
MATCH (c:Customer {customer_id: id})
WHERE NOT (c)<-[:RESOLVES_TO]-(:SourceRecord)
DETACH DELETE c
RETURN count(*) AS deleted
