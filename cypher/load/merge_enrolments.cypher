// Enrol customers in channels with the date and daily limit.
// Parameters: rows [{customer_id, channel_id, since, daily_limit}]. Columns: none.
UNWIND $rows AS row
MATCH (c:Customer {customer_id: row.customer_id})
MERGE (ch:Channel {channel_id: row.channel_id})
MERGE (c)-[e:ENROLLED_IN]->(ch)
SET e.since = row.since, e.daily_limit = row.daily_limit
