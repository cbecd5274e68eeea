// The 360 view of one customer: has (accounts, products, balances), can do (channels), did
// (recent contacts, transfers), scores, service team and source systems.
// Parameters: customer_id (string), contacts (integer: latest contacts to list).
// Columns: customer (map of the Customer's properties), accounts, channels, contacts, transfers,
// relationship_manager, branch, sources.
MATCH (c:Customer {customer_id: $customer_id})
CALL (c) {
  OPTIONAL MATCH (c)-[o:OWNS]->(a:Account)
  OPTIONAL MATCH (a)-[:OF_PRODUCT]->(p:Product)
  RETURN collect(CASE WHEN a IS NULL THEN null ELSE {
    account_id: a.account_id, product_id: p.product_id, product: p.name, category: p.category,
    role: o.role, status: coalesce(a.status, 'open'), balance: a.balance, currency: a.currency,
    opened_on: a.opened_on, closed_on: a.closed_on, credit_limit: a.credit_limit,
    fee_income: a.fee_income,
    co_holders: [(a)<-[h:OWNS]-(other:Customer) WHERE other <> c |
                 {customer_id: other.customer_id, role: h.role}]} END) AS accounts
}
CALL (c) {
  OPTIONAL MATCH (c)-[e:ENROLLED_IN]->(ch:Channel)
  RETURN collect(CASE WHEN ch IS NULL THEN null ELSE
    {channel_id: ch.channel_id, since: e.since, daily_limit: e.daily_limit} END) AS channels
}
CALL (c) {
  OPTIONAL MATCH (c)-[:HAD_CONTACT]->(k:Contact)
  WITH k ORDER BY k.at DESC LIMIT $contacts
  OPTIONAL MATCH (k)-[:VIA]->(ch:Channel)
  OPTIONAL MATCH (k)-[:ABOUT]->(p:Product)
  RETURN collect(CASE WHEN k IS NULL THEN null ELSE {
    contact_id: k.contact_id, at: k.at, kind: k.kind, topic: k.topic, sentiment: k.sentiment,
    outcome: k.outcome, resolved: k.resolved, channel: ch.channel_id, product_id: p.product_id}
    END) AS contacts
}
CALL (c) {
  OPTIONAL MATCH (c)-[out:TRANSFERS]->(:Customer)
  RETURN count(out) AS out_partners, sum(coalesce(out.count, 0)) AS out_count,
         sum(coalesce(out.amount, 0.0)) AS out_amount
}
CALL (c) {
  OPTIONAL MATCH (c)<-[inc:TRANSFERS]-(:Customer)
  RETURN count(inc) AS in_partners, sum(coalesce(inc.count, 0)) AS in_count,
         sum(coalesce(inc.amount, 0.0)) AS in_amount
}
CALL (c) {
  OPTIONAL MATCH (s:SourceRecord)-[r:RESOLVES_TO]->(c)
  RETURN collect(CASE WHEN s IS NULL THEN null ELSE {
    system: s.system, record_id: s.record_id, rule: r.rule, confidence: r.confidence,
    name_masked: s.name_masked, phone_masked: s.phone_masked} END) AS sources
}
OPTIONAL MATCH (c)-[:SERVED_BY]->(rm:Employee)
OPTIONAL MATCH (c)-[:HOME_BRANCH]->(b:Branch)
RETURN properties(c) AS customer, accounts, channels, contacts,
       {partners_out: out_partners, count_out: out_count, amount_out: out_amount,
        partners_in: in_partners, count_in: in_count, amount_in: in_amount} AS transfers,
       CASE WHEN rm IS NULL THEN null ELSE
         {employee_id: rm.employee_id, name: rm.name, team: rm.team} END AS relationship_manager,
       CASE WHEN b IS NULL THEN null ELSE {branch_id: b.branch_id, name: b.name} END AS branch,
       sources
