// title: Customer 360
// question: What does one customer have (accounts, products), what can they do (channels),
//   what did they do (recent contacts), who serves them and how do our analytics see them?
// param: customer_id string - The golden customer id.
// param: contacts integer 5 How many of the latest contacts to list.
// columns: customer_id, name, kind, status, tier, value_score, aum, community, influence, churn_risk, churn_drivers, relationship_manager, branch, products, accounts, channels, recent_contacts, systems
// pii: name
// example: crm-graph query show_customer_360 --param customer_id=C0123456789AB
MATCH (c:Customer {customer_id: $customer_id})
CALL (c) {
  OPTIONAL MATCH (c)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
  RETURN collect(DISTINCT p.name) AS products,
         collect({account_id: a.account_id, product_id: p.product_id, status: a.status,
                  balance: a.balance, opened_on: a.opened_on}) AS accounts
}
CALL (c) {
  OPTIONAL MATCH (c)-[e:ENROLLED_IN]->(ch:Channel)
  RETURN collect({channel: ch.channel_id, since: e.since, daily_limit: e.daily_limit}) AS channels
}
CALL (c) {
  OPTIONAL MATCH (c)-[:HAD_CONTACT]->(k:Contact)
  WITH k ORDER BY k.at DESC LIMIT $contacts
  RETURN collect({at: k.at, kind: k.kind, topic: k.topic, sentiment: k.sentiment}) AS recent_contacts
}
CALL (c) {
  OPTIONAL MATCH (s:SourceRecord)-[:RESOLVES_TO]->(c)
  RETURN collect(DISTINCT s.system) AS systems
}
OPTIONAL MATCH (c)-[:SERVED_BY]->(rm:Employee)
OPTIONAL MATCH (c)-[:HOME_BRANCH]->(b:Branch)
RETURN c.customer_id AS customer_id, c.name AS name, c.kind AS kind, c.status AS status,
       c.tier AS tier, c.value_score AS value_score, c.aum AS aum, c.community AS community,
       c.influence AS influence, c.churn_risk AS churn_risk, c.churn_drivers AS churn_drivers,
       rm.name AS relationship_manager, b.name AS branch, products,
       [x IN accounts WHERE x.account_id IS NOT NULL] AS accounts,
       [x IN channels WHERE x.channel IS NOT NULL] AS channels,
       [x IN recent_contacts WHERE x.at IS NOT NULL] AS recent_contacts, systems
