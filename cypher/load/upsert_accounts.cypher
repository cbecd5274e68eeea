// Upsert accounts (also card accounts and agency positions) with owner and product.
// Parameters: rows [{account_id, customer_id, product_id, role, props}]. Columns: none.
UNWIND $rows AS row
MERGE (a:Account {account_id: row.account_id})
SET a += row.props
WITH a, row
MATCH (c:Customer {customer_id: row.customer_id})
OPTIONAL MATCH (other:Customer)-[stale:OWNS]->(a) WHERE other <> c
DELETE stale
MERGE (c)-[o:OWNS]->(a)
SET o.role = row.role
WITH a, row
MATCH (p:Product {product_id: row.product_id})
MERGE (a)-[:OF_PRODUCT]->(p)
