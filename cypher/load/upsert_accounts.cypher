// Upsert accounts (also card accounts and agency positions) with owner and product.
// A node with no relationships yet (new in this load) gets them by CREATE: nothing can
// duplicate them, since this transaction holds the node's lock from its SET, and CREATE
// takes no exclusive lock on the dense Product node, so parallel batches do not queue
// on it. A node that has relationships is linked by MERGE: an account has one holder
// in the role 'owner' (a new owner replaces the old one), and any number in the other
// roles (joint owner, authorised user, guarantor, ...), each its own OWNS {role}.
// Parameters: rows [{account_id, customer_id, product_id, role, props}]. Columns: none.
UNWIND $rows AS row
MERGE (a:Account {account_id: row.account_id})
SET a += row.props, a.account_id = row.account_id
WITH a, row
MATCH (c:Customer {customer_id: row.customer_id})
MATCH (p:Product {product_id: row.product_id})
WITH a, row, c, p, COUNT { (a)--() } = 0 AS fresh
CALL (a, row, c, p, fresh) {
  WITH a, row, c, p, fresh WHERE fresh
  CREATE (c)-[:OWNS {role: row.role}]->(a)-[:OF_PRODUCT]->(p)
}
CALL (a, row, c, p, fresh) {
  WITH a, row, c, p, fresh WHERE NOT fresh
  CALL (a, c, row) {
    MATCH (other)-[stale:OWNS]->(a)
    WHERE row.role = 'owner' AND stale.role = 'owner' AND other <> c
    DELETE stale
  }
  MERGE (c)-[o:OWNS {role: row.role}]->(a)
  MERGE (a)-[:OF_PRODUCT]->(p)
}
