// title: Channel usage by tier
// question: Which share of each service tier is enrolled in each channel?
// columns: tier, channel, customers, share
// example: crm-graph query count_channel_usage
MATCH (c:Customer)
WHERE coalesce(c.status, 'active') <> 'churned'
WITH coalesce(c.tier, 'unscored') AS tier, count(c) AS size
MATCH (ch:Channel)
OPTIONAL MATCH (ch)<-[:ENROLLED_IN]-(c:Customer)
WHERE coalesce(c.tier, 'unscored') = tier AND coalesce(c.status, 'active') <> 'churned'
WITH tier, size, ch, count(c) AS customers
RETURN tier, ch.channel_id AS channel, customers, round(toFloat(customers) / size, 4) AS share
ORDER BY tier, share DESC, channel
