// One customer's own data and tie neighbourhood (two steps), for scoring cross-sell on
// demand: what `compute_signals` reads for everyone, read for one customer. Holdings are
// the accounts live on $as_of (opened before it, not closed by then), as in the batch.
// Parameters: customer_id (string), as_of, offers_since (strings 'YYYY-MM-DD').
// Columns: customer (map), holdings (list of [product_id, opened_on, closed_on]),
// offered (product ids offered in [offers_since, as_of)), employer, employer_name,
// colleagues (the other employees of the first employer by id), colleague_products (one list of live
// product ids per colleague), ties (list of {id, name, influence, products, links:
// [{type, amount, count}], ties: the neighbour's own ties [{type, amount, count, products}]}).
MATCH (c:Customer {customer_id: $customer_id})
CALL (c) {
  OPTIONAL MATCH (c)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
  RETURN collect(CASE WHEN p IS NOT NULL THEN [p.product_id, a.opened_on,
           CASE WHEN a.closed_on IS NOT NULL THEN a.closed_on
                WHEN a.status = 'closed' THEN '0000-00-00' END] END) AS holdings
}
CALL (c) {
  OPTIONAL MATCH (c)-[:HAD_CONTACT]->(k:Contact {kind: 'offer'})-[:ABOUT]->(p:Product)
  WHERE k.at >= $offers_since AND k.at < $as_of
  RETURN collect(DISTINCT p.product_id) AS offered
}
CALL (c) {
  OPTIONAL MATCH (e:Customer)-[:EMPLOYS]->(c) WHERE e <> c
  WITH e ORDER BY e.customer_id LIMIT 1
  OPTIONAL MATCH (e)-[:EMPLOYS]->(x:Customer) WHERE x <> c AND x <> e
  WITH DISTINCT e, x
  WITH e, x, [(x)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
              WHERE coalesce(a.opened_on, '0000-00-00') < $as_of
                AND (a.closed_on >= $as_of
                     OR (a.closed_on IS NULL AND coalesce(a.status, '') <> 'closed'))
              | p.product_id] AS held
  RETURN e.customer_id AS employer, e.name AS employer_name, count(x) AS colleagues,
         collect(held) AS colleague_products
}
CALL (c) {
  OPTIONAL MATCH (c)-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]-(j:Customer)
  WHERE j <> c
  WITH j, collect({type: type(r), amount: r.amount, count: r.count}) AS links
  WHERE j IS NOT NULL
  RETURN collect({
    id: j.customer_id, name: j.name, influence: coalesce(j.influence, 0.0), links: links,
    products: [(j)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
               WHERE coalesce(a.opened_on, '0000-00-00') < $as_of
                 AND (a.closed_on >= $as_of
                      OR (a.closed_on IS NULL AND coalesce(a.status, '') <> 'closed'))
               | p.product_id],
    ties: [(j)-[s:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]-(k:Customer) WHERE k <> j | {
      type: type(s), amount: s.amount, count: s.count,
      products: [(k)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
                 WHERE coalesce(a.opened_on, '0000-00-00') < $as_of
                   AND (a.closed_on >= $as_of
                        OR (a.closed_on IS NULL AND coalesce(a.status, '') <> 'closed'))
                 | p.product_id]}]
  }) AS ties
}
RETURN c {.customer_id, .kind, .since, .status, .churned_on, .balance_months,
          .balance_history, .birth_date, .age, .risk_grade, .marketing_consent} AS customer,
       holdings, offered, employer, employer_name, colleagues, colleague_products, ties
