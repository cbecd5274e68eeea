// Per tie type: ties from churned customers to neighbours who were still customers when they
// left, and how many of those neighbours churned within $months. Parameters: months (integer),
// until (string: only churns before it, so that the window is observed).
// Columns: type, pairs, followed.
MATCH (j:Customer {status: 'churned'})-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]-(i:Customer)
WHERE j.churned_on IS NOT NULL AND j.churned_on < $until
  AND (i.since IS NULL OR i.since < j.churned_on)
  AND (i.churned_on IS NULL OR i.churned_on >= j.churned_on)
WITH type(r) AS type, i, j,
     toString(date(j.churned_on) + duration({months: $months})) AS window_end
RETURN type, count(*) AS pairs,
       count(CASE WHEN i.churned_on IS NOT NULL AND i.churned_on < window_end THEN 1 END)
         AS followed
