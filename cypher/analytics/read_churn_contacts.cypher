// Contacts per customer in the windows before a reference date (ISO date strings compare in
// order). Parameters: as_of (string, exclusive end), half_year (string: as_of - 6 months),
// year (string: as_of - 12 months).
// Columns: customer_id, contacts_6m, complaints_6m, unresolved_6m, negative_6m,
// complaints_12m, sentiment_12m (mean, null when no contact).
MATCH (c:Customer)-[:HAD_CONTACT]->(k:Contact)
WHERE k.at >= $year AND k.at < $as_of
WITH c, k, k.at >= $half_year AS recent
RETURN c.customer_id AS customer_id,
       count(CASE WHEN recent THEN 1 END) AS contacts_6m,
       count(CASE WHEN recent AND k.kind = 'complaint' THEN 1 END) AS complaints_6m,
       count(CASE WHEN recent AND k.resolved = false THEN 1 END) AS unresolved_6m,
       count(CASE WHEN recent AND k.sentiment < 0 THEN 1 END) AS negative_6m,
       count(CASE WHEN k.kind = 'complaint' THEN 1 END) AS complaints_12m,
       avg(k.sentiment) AS sentiment_12m
