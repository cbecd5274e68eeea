// Remove Cluster nodes that the latest profiling run did not write.
// Parameters: computed_at (string: the latest run's stamp). Columns: deleted.
MATCH (k:Cluster)
WHERE k.computed_at IS NULL OR k.computed_at <> $computed_at
DETACH DELETE k
RETURN count(*) AS deleted
