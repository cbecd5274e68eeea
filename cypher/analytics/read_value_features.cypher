// Per customer: what value scoring needs (AUM, product breadth, agency fees, tenure, trend).
// The trend compares the latest month-end balance with the one six months earlier (or the
// earliest known, when the history is shorter).
// Parameters: none. Columns: customer_id, kind, aum, since, categories, fee_income, first_balance,
// last_balance.
MATCH (c:Customer)
OPTIONAL MATCH (c)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
WHERE coalesce(a.status, 'open') <> 'closed'
WITH c, count(DISTINCT p.category) AS categories, sum(coalesce(a.fee_income, 0.0)) AS fee_income,
     coalesce(c.balance_history, []) AS history
RETURN c.customer_id AS customer_id, c.kind AS kind, coalesce(c.aum, 0.0) AS aum,
       c.since AS since, categories, fee_income,
       CASE WHEN size(history) > 0
         THEN history[-(CASE WHEN size(history) >= 6 THEN 6 ELSE size(history) END)] END
         AS first_balance,
       CASE WHEN size(history) > 0 THEN history[-1] END AS last_balance
