// The product catalogue. Parameters: none.
// Columns: product_id, name, category, eligible, family, stackable, min_age, max_age,
// max_risk_grade (family and the bounds null where the catalogue gives none).
MATCH (p:Product)
RETURN p.product_id AS product_id, p.name AS name, p.category AS category,
       coalesce(p.eligible, 'both') AS eligible, p.family AS family,
       coalesce(p.stackable, false) AS stackable, p.min_age AS min_age,
       p.max_age AS max_age, p.max_risk_grade AS max_risk_grade
ORDER BY product_id
