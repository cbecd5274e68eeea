// title: Credit applications' cycle time per stage and tier
// question: How many days do credit applications wait at each stage (received -> assessed ->
//   approved -> disbursed), by the applicant's tier, and where do they wait longest?
// columns: tier, stage, applications, mean_days, p90_days
// example: crm-graph query measure_application_cycle_time
MATCH (c:Customer)-[:APPLIED]->(a:Application)
WITH coalesce(c.tier, 'unscored') AS tier, a,
     [['received->assessed', a.received_on, a.assessed_on],
      ['assessed->approved', a.assessed_on, a.approved_on],
      ['approved->disbursed', a.approved_on, a.disbursed_on],
      ['assessed->rejected', a.assessed_on, a.rejected_on]] AS steps
UNWIND steps AS step
WITH tier, step[0] AS stage, step[1] AS start, step[2] AS done
WHERE start IS NOT NULL AND done IS NOT NULL
WITH tier, stage, duration.inDays(date(start), date(done)).days AS days
RETURN tier, stage, count(*) AS applications, round(avg(days), 2) AS mean_days,
       percentileDisc(days, 0.9) AS p90_days
ORDER BY tier, stage
