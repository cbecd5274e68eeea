// title: Complaint topics before churn
// question: What did customers complain about in the months before they left, and which topics
//   are over-represented compared with all complaints (lift > 1)?
// param: months integer 6 Months before the churn date that count.
// columns: topic, customers, complaints, share, lift
// example: crm-graph query count_complaint_topics --param months=3
MATCH (all:Contact {kind: 'complaint'})
WITH all.topic AS topic, count(*) AS n
WITH collect([topic, n]) AS base, sum(n) AS base_total
MATCH (c:Customer {status: 'churned'})-[:HAD_CONTACT]->(k:Contact {kind: 'complaint'})
WHERE c.churned_on IS NOT NULL AND k.at < c.churned_on
  AND k.at >= toString(date(c.churned_on) - duration({months: $months}))
WITH base, base_total, k.topic AS topic, count(*) AS complaints, count(DISTINCT c) AS customers
WITH base, base_total, collect({topic: topic, complaints: complaints, customers: customers}) AS rows,
     sum(complaints) AS total
UNWIND rows AS r
WITH r, total, base_total, [b IN base WHERE b[0] = r.topic][0][1] AS base_n
RETURN r.topic AS topic, r.customers AS customers, r.complaints AS complaints,
       round(toFloat(r.complaints) / total, 4) AS share,
       round((toFloat(r.complaints) / total) / (toFloat(base_n) / base_total), 3) AS lift
ORDER BY complaints DESC, topic
