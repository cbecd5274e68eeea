// Per customer: what churn and cross-sell need besides contacts, products and balances,
// packed as text for Database.read_lines (lines grouped by the first four characters of the
// customer id). Text that a mapping gives is quoted (a comma, quote or line break in it is
// kept); ids, codes and numbers are not.
// Parameters: none. Columns: lines (list of "customer_id,kind,since,status,churned_on,
// influence,community,aum,value_score,tier,birth_date,age,risk_grade,marketing_consent";
// empty when null; status 'active' when unset).
MATCH (c:Customer)
WITH left(c.customer_id, 4) AS bucket,
     c.customer_id + ',' + coalesce('"' + replace(toString(c.kind), '"', '""') + '"', '') + ',' + coalesce('"' + replace(toString(c.since), '"', '""') + '"', '') + ',' +
     coalesce('"' + replace(toString(coalesce(c.status, 'active')), '"', '""') + '"', '') + ',' + coalesce('"' + replace(toString(c.churned_on), '"', '""') + '"', '') + ',' +
     toString(coalesce(c.influence, 0.0)) + ',' + coalesce(toString(c.community), '') + ',' +
     toString(coalesce(c.aum, 0.0)) + ',' + toString(coalesce(c.value_score, 0.0)) + ',' +
     coalesce('"' + replace(toString(c.tier), '"', '""') + '"', '') + ',' + coalesce('"' + replace(toString(c.birth_date), '"', '""') + '"', '') + ',' +
     coalesce('"' + replace(toString(c.age), '"', '""') + '"', '') + ',' + coalesce('"' + replace(toString(c.risk_grade), '"', '""') + '"', '') + ',' +
     coalesce('"' + replace(toString(c.marketing_consent), '"', '""') + '"', '') AS line
WITH bucket, collect(line) AS lines
RETURN lines
