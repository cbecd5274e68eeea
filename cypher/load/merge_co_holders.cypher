// Tie the customers who hold one account together (CO_HOLDS, from the smaller customer id
// to the larger) with the number of accounts they share, in transactions of 10,000 pairs.
// Accounts with one holder cost a degree check only. Run in an implicit transaction
// (Database.write_in_batches). Parameters: none. Columns: none.
MATCH (a:Account)
WHERE COUNT { (a)<-[:OWNS]-() } > 1
MATCH (x:Customer)-[:OWNS]->(a)<-[:OWNS]-(y:Customer)
WHERE x.customer_id < y.customer_id
WITH x, y, count(DISTINCT a) AS accounts
CALL (x, y, accounts) {
  MERGE (x)-[t:CO_HOLDS]->(y)
  SET t.accounts = accounts
} IN TRANSACTIONS OF 10000 ROWS
