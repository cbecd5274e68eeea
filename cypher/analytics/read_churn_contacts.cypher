// Contacts per customer in the windows before each reference date, in one pass over the
// contacts (ISO date strings compare in order), packed as text for Database.read_lines
// (grouped by the first four characters of the customer id).
// Parameters: windows (list of maps {as_of: string, exclusive end; half_year: as_of - 6
// months; year: as_of - 12 months}), since (string: the earliest year of them).
// Columns: lines (list of "as_of,customer_id,contacts_6m,complaints_6m,unresolved_6m,
// negative_6m,complaints_12m,sentiment_12m"; sentiment_12m the mean, empty when no sentiment).
MATCH (c:Customer)-[:HAD_CONTACT]->(k:Contact)
WHERE k.at >= $since
WITH c, k.at AS at, k.kind = 'complaint' AS complaint, k.resolved = false AS unresolved,
     k.sentiment AS sentiment
UNWIND $windows AS w
WITH c, at, complaint, unresolved, sentiment, w
WHERE at >= w.year AND at < w.as_of
WITH w.as_of AS as_of, c, sentiment, complaint, unresolved, at >= w.half_year AS recent
WITH as_of, c.customer_id AS customer_id,
     count(CASE WHEN recent THEN 1 END) AS contacts_6m,
     count(CASE WHEN recent AND complaint THEN 1 END) AS complaints_6m,
     count(CASE WHEN recent AND unresolved THEN 1 END) AS unresolved_6m,
     count(CASE WHEN recent AND sentiment < 0 THEN 1 END) AS negative_6m,
     count(CASE WHEN complaint THEN 1 END) AS complaints_12m,
     avg(sentiment) AS sentiment_12m
WITH left(customer_id, 4) AS bucket,
     as_of + ',' + customer_id + ',' + toString(contacts_6m) + ',' + toString(complaints_6m) +
     ',' + toString(unresolved_6m) + ',' + toString(negative_6m) + ',' +
     toString(complaints_12m) + ',' + coalesce(toString(sentiment_12m), '') AS line
WITH bucket, collect(line) AS lines
RETURN lines
