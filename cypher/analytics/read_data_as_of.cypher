// The latest date the loaded data speaks of: last balance month and last contact.
// Parameters: none. Columns: last_balance_month ('YYYY-MM' or null), last_contact (or null).
CALL () {
  MATCH (c:Customer) WHERE c.balance_months IS NOT NULL
  RETURN max(c.balance_months[-1]) AS last_balance_month
}
CALL () {
  MATCH (k:Contact) RETURN max(k.at) AS last_contact
}
RETURN last_balance_month, last_contact
