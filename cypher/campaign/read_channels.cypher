// The bank's channels with how many active customers are enrolled in each (most first).
// Parameters: none. Columns: channel_id, enrolled.
MATCH (ch:Channel)
OPTIONAL MATCH (c:Customer)-[:ENROLLED_IN]->(ch)
WHERE coalesce(c.status, 'active') <> 'churned'
RETURN ch.channel_id AS channel_id, count(c) AS enrolled
ORDER BY enrolled DESC, channel_id
