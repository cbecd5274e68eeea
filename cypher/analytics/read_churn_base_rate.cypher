// Customers at a start date and how many of them churned before an end date.
// Parameters: since (string), until (string). Columns: customers, churned.
MATCH (c:Customer)
WHERE (c.since IS NULL OR c.since < $since)
  AND (c.status <> 'churned' OR c.churned_on IS NULL OR c.churned_on >= $since)
RETURN count(c) AS customers,
       count(CASE WHEN c.churned_on >= $since AND c.churned_on < $until THEN 1 END) AS churned
