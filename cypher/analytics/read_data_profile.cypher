// What the graph holds, for deciding which analyses it supports (analyze --plan).
// Parameters: $tie_types (list of relationship types that are ties between customers).
// Columns: customers, ties, products, dated_holdings, balance_customers, contacts,
// churned, churn_dated.
CALL () {
  MATCH (c:Customer)
  RETURN count(c) AS customers,
         count(c.balance_months) AS balance_customers,
         count(CASE WHEN c.status = 'churned' THEN 1 END) AS churned,
         count(c.churned_on) AS churn_dated
}
CALL () {
  MATCH (:Customer)-[t]->(:Customer) WHERE type(t) IN $tie_types
  RETURN count(t) AS ties
}
CALL () {
  MATCH (p:Product) RETURN count(p) AS products
}
CALL () {
  MATCH (:Customer)-[:OWNS]->(a:Account) WHERE a.opened_on IS NOT NULL
  RETURN count(a) AS dated_holdings
}
CALL () {
  MATCH (k:Contact) RETURN count(k) AS contacts
}
RETURN customers, ties, products, dated_holdings, balance_customers, contacts, churned,
       churn_dated
