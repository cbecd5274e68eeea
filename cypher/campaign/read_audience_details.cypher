// What a plan shows of the customers it chose: name, reasons, whether they hold the product,
// their relationship manager's name, the channels they are enrolled in.
// Parameters: ids (list of customer ids), product_id (string).
// Columns: customer_id, name, reasons (empty when the product is not among the customer's
// stored recommendations), holds (an open account of the product), rm_name (the first
// relationship manager by id), channels (channel ids).
UNWIND $ids AS id
MATCH (c:Customer {customer_id: id})
CALL (c) {
  OPTIONAL MATCH (c)-[r:RECOMMENDED]->(:Product {product_id: $product_id})
  RETURN r LIMIT 1
}
CALL (c) {
  OPTIONAL MATCH (c)-[:SERVED_BY]->(rm:Employee)
  RETURN rm ORDER BY rm.employee_id LIMIT 1
}
RETURN c.customer_id AS customer_id, c.name AS name, coalesce(r.reasons, []) AS reasons,
       EXISTS { (c)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(:Product {product_id: $product_id})
                WHERE a.closed_on IS NULL } AS holds,
       rm.name AS rm_name,
       [(c)-[:ENROLLED_IN]->(ch:Channel) | ch.channel_id] AS channels
