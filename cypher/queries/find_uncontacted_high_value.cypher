// title: High-value customers with no recent contact
// question: Which customers of the high-value tiers (private and wealth by default: every
//   tier above the base but the lowest) have had no contact with us (calls, visits, offers)
//   in the last N days before a date, so their manager should reach out?
// param: as_of date 2026-01-01 The reference date (the data's cutoff for generated banks).
// param: days integer 90 Days without contact.
// param: limit integer 50 Customers to list.
// columns: customer_id, name, tier, aum, last_contact, relationship_manager
// pii: name
// example: crm-graph query find_uncontacted_high_value --param days=180
OPTIONAL MATCH (m:ScoringModel {name: 'segments'})
// the high-value tiers: every tier above the base but the lowest (or the only one)
WITH CASE WHEN size(m.tiers) >= 3 THEN m.tiers[0..size(m.tiers) - 2]
          WHEN size(m.tiers) = 2 THEN m.tiers[0..1] ELSE [] END AS high
MATCH (c:Customer)
WHERE c.tier IN high AND coalesce(c.status, 'active') <> 'churned'
OPTIONAL MATCH (c)-[:HAD_CONTACT]->(k:Contact)
WHERE k.at < $as_of
WITH c, max(k.at) AS last_contact
WHERE last_contact IS NULL
   OR last_contact < toString(date($as_of) - duration({days: $days}))
OPTIONAL MATCH (c)-[:SERVED_BY]->(e:Employee)
RETURN c.customer_id AS customer_id, c.name AS name, c.tier AS tier, c.aum AS aum,
       last_contact, e.name AS relationship_manager
ORDER BY aum DESC, customer_id
LIMIT $limit
