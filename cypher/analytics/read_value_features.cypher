// Per customer: what value scoring needs (AUM, product breadth, agency fees, tenure, trend).
// Parameters: none. Columns: customer_id, kind, aum, since, categories, fee_income, first_balance,
// last_balance.
MATCH (c:Customer)
OPTIONAL MATCH (c)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
WHERE coalesce(a.status, 'open') <> 'closed'
WITH c, count(DISTINCT p.category) AS categories, sum(coalesce(a.fee_income, 0.0)) AS fee_income
RETURN c.customer_id AS customer_id, c.kind AS kind, coalesce(c.aum, 0.0) AS aum,
       c.since AS since, categories, fee_income,
       CASE WHEN size(coalesce(c.balance_history, [])) > 0 THEN c.balance_history[0] END
         AS first_balance,
       CASE WHEN size(coalesce(c.balance_history, [])) > 0 THEN c.balance_history[-1] END
         AS last_balance
