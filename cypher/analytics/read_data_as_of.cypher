// The latest date the loaded data speaks of: last balance month, last contact, and the
// latest account opening or closing date (for extracts without balances or contacts).
// Parameters: none. Columns: last_balance_month ('YYYY-MM' or null), last_contact (or
// null), last_account_date (or null).
CALL () {
  MATCH (c:Customer) WHERE c.balance_months IS NOT NULL
  RETURN max(c.balance_months[-1]) AS last_balance_month
}
CALL () {
  MATCH (k:Contact) RETURN max(k.at) AS last_contact
}
CALL () {
  MATCH (a:Account)
  WITH max(a.opened_on) AS opened, max(a.closed_on) AS closed
  RETURN CASE WHEN closed IS NOT NULL AND (opened IS NULL OR closed > opened)
              THEN closed ELSE opened END AS last_account_date
}
RETURN last_balance_month, last_contact, last_account_date
