// Store cluster profiles as Cluster nodes (one per community of two or more customers).
// Parameters: rows [{community, size, label, aum, fee_income, churn_rate, profile}] (profile: the
// full profile as JSON text), computed_at (string). Columns: none.
UNWIND $rows AS row
MERGE (k:Cluster {community: row.community})
SET k.size = row.size, k.label = row.label, k.aum = row.aum, k.fee_income = row.fee_income,
    k.churn_rate = row.churn_rate, k.profile = row.profile, k.computed_at = $computed_at
