// title: Influence clusters at a glance
// question: How large is each influence cluster, what does it hold, and how many of its
//   members have churned?
// param: min_size integer 2 Smallest cluster to list.
// param: limit integer 20 Clusters to list.
// columns: community, size, aum, churned, churn_rate, wealth_members
// example: crm-graph query summarize_clusters --param min_size=50
MATCH (c:Customer)
WHERE c.community IS NOT NULL
WITH c.community AS community, count(c) AS size, sum(coalesce(c.aum, 0.0)) AS aum,
     count(CASE WHEN c.status = 'churned' THEN 1 END) AS churned,
     count(CASE WHEN c.tier IN ['wealth', 'private'] THEN 1 END) AS wealth_members
WHERE size >= $min_size
RETURN community, size, aum, churned, round(toFloat(churned) / size, 4) AS churn_rate,
       wealth_members
ORDER BY size DESC, community
LIMIT $limit
