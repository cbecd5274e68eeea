// Customers, AUM, agency fee income (from their accounts) and churned customers per
// tier, for one branch or all.
// Parameters: branch_id (string or null: the whole bank).
// Columns: tier, customers, active, churned, aum, fee_income.
MATCH (c:Customer)
WHERE $branch_id IS NULL OR c.branch_id = $branch_id
CALL (c) {
  OPTIONAL MATCH (c)-[:OWNS]->(a:Account)
  RETURN sum(coalesce(a.fee_income, 0.0)) AS fees
}
RETURN coalesce(c.tier, 'unscored') AS tier, count(c) AS customers,
       count(CASE WHEN coalesce(c.status, 'active') <> 'churned' THEN 1 END) AS active,
       count(CASE WHEN c.status = 'churned' THEN 1 END) AS churned,
       sum(coalesce(c.aum, 0.0)) AS aum, sum(fees) AS fee_income
ORDER BY customers DESC
