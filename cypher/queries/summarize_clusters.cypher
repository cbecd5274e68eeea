// title: Influence clusters at a glance
// question: How large is each influence cluster, what does it hold and earn, how are its
//   members tiered, and how many of them have churned?
// param: min_size integer 2 Smallest cluster to list.
// param: limit integer 20 Clusters to list.
// columns: community, size, aum, fee_income, churned, churn_rate, tiers
// example: crm-graph query summarize_clusters --param min_size=50
MATCH (c:Customer)
WHERE c.community IS NOT NULL
WITH c.community AS community, count(c) AS size, sum(coalesce(c.aum, 0.0)) AS aum,
     count(CASE WHEN c.status = 'churned' THEN 1 END) AS churned,
     collect(coalesce(c.tier, 'unscored')) AS tier_list, collect(c) AS members
WHERE size >= $min_size
WITH community, size, aum, churned, tier_list, members
ORDER BY size DESC, community
LIMIT $limit
CALL (members) {
  UNWIND members AS m
  OPTIONAL MATCH (m)-[:OWNS]->(a:Account)
  WHERE coalesce(a.status, 'open') <> 'closed'
  RETURN sum(coalesce(a.fee_income, 0.0)) AS fee_income
}
OPTIONAL MATCH (m:ScoringModel {name: 'segments'})
RETURN community, size, aum, fee_income, churned, round(toFloat(churned) / size, 4) AS churn_rate,
       [t IN coalesce(m.tiers, []) + ['unscored'] |
         {tier: t, members: size([x IN tier_list WHERE x = t])}] AS tiers
ORDER BY size DESC, community
