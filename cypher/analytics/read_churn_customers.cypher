// Per customer: what the churn model needs besides contacts and products.
// Parameters: none. Columns: customer_id, kind, since, status, churned_on, influence, community,
// aum, value_score, tier, balance_months (list of 'YYYY-MM'), balance_history (list of month-end balances).
MATCH (c:Customer)
RETURN c.customer_id AS customer_id, c.kind AS kind, c.since AS since,
       coalesce(c.status, 'active') AS status, c.churned_on AS churned_on,
       coalesce(c.influence, 0.0) AS influence, c.community AS community,
       coalesce(c.aum, 0.0) AS aum, coalesce(c.value_score, 0.0) AS value_score, c.tier AS tier,
       coalesce(c.balance_months, []) AS balance_months,
       coalesce(c.balance_history, []) AS balance_history
