// One stored cluster with its full profile (JSON text).
// Parameters: community (integer). Columns: profile, computed_at.
MATCH (k:Cluster {community: $community})
RETURN k.profile AS profile, k.computed_at AS computed_at
