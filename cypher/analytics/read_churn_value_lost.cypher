// What churned customers took with them: the money moved out, the yearly agency fee income of
// their accounts and the products they held. Parameters: none.
// Columns: customers, amount_moved, fee_income, products, mean_products.
MATCH (c:Customer {status: 'churned'})
CALL (c) {
  OPTIONAL MATCH (c)-[t:CHURNED_TO]->(:Competitor)
  RETURN sum(coalesce(t.amount, 0.0)) AS moved
}
CALL (c) {
  OPTIONAL MATCH (c)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
  RETURN sum(coalesce(a.fee_income, 0.0)) AS fees, count(DISTINCT p) AS products
}
RETURN count(c) AS customers, sum(moved) AS amount_moved, sum(fees) AS fee_income,
       sum(products) AS products,
       CASE WHEN count(c) = 0 THEN 0.0 ELSE toFloat(sum(products)) / count(c) END AS mean_products
