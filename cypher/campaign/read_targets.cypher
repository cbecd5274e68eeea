// Everyone a campaign targeted, seeded or held out, with the outcomes loaded back and
// whether they opened an account of the promoted product on or after the campaign start
// (known for the control group too, so uplift compares like with like).
// Parameters: campaign_id (string). Columns: customer_id, name, kind, group, rank, score,
// channel, rm_id, reasons, responded, converted (both null until outcomes are loaded),
// opened (boolean).
MATCH (k:Campaign {campaign_id: $campaign_id})-[t:TARGETED]->(c:Customer)
OPTIONAL MATCH (k)-[:PROMOTES]->(p:Product)
RETURN c.customer_id AS customer_id, c.name AS name, c.kind AS kind, t.group AS group, t.rank AS rank,
       t.score AS score, t.channel AS channel, t.rm_id AS rm_id, t.reasons AS reasons,
       t.responded AS responded, t.converted AS converted,
       EXISTS {
         (c)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p) WHERE a.opened_on >= k.starts_on
       } AS opened
ORDER BY t.group, t.rank, customer_id
