// The transfer amount and count at which a TRANSFERS tie is full strength: a quantile of
// the graph's own transfer ties (only positive values; null when there are none).
// Parameters: quantile (float, 0-1). Columns: amount_full, count_full (floats or null).
OPTIONAL MATCH (:Customer)-[r:TRANSFERS]->(:Customer)
WITH r, CASE WHEN r.amount > 0 THEN toFloat(r.amount) END AS amount,
     CASE WHEN r.count > 0 THEN toFloat(r.count) END AS count
RETURN percentileCont(amount, $quantile) AS amount_full,
       percentileCont(count, $quantile) AS count_full
