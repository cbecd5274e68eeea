// title: Payroll companies and their employees' product penetration
// question: Which companies pay their staff through us, how many of those employees bank with
//   us, and what share of them hold each product category?
// param: category string payroll The catalogue category of payroll services.
// param: min_employees integer 5 Smallest workforce (with us) to list.
// param: limit integer 20 Companies to list.
// columns: company_id, company, employees, aum, penetration
// example: crm-graph query list_payroll_companies --param min_employees=10
MATCH (co:Customer {kind: 'company'})-[:EMPLOYS]->(p:Customer)
WHERE EXISTS { (co)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(:Product {category: $category}) }
WITH co, collect(DISTINCT p) AS staff
WHERE size(staff) >= $min_employees
UNWIND staff AS p
OPTIONAL MATCH (p)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(pr:Product)
WHERE coalesce(a.status, 'open') <> 'closed'
WITH co, size(staff) AS employees, p, collect(DISTINCT pr.category) AS categories
WITH co, employees, sum(coalesce(p.aum, 0.0)) AS aum, collect(categories) AS held
// every category of the catalogue, in a fixed order
CALL () {
  MATCH (x:Product) WHERE x.category IS NOT NULL
  WITH DISTINCT x.category AS c ORDER BY c
  RETURN collect(c) AS catalogue
}
UNWIND catalogue AS category
WITH co, employees, aum, category,
     size([h IN held WHERE category IN h]) AS holders
WITH co, employees, aum,
     collect({category: category, share: round(toFloat(holders) / employees, 4)}) AS penetration
RETURN co.customer_id AS company_id, co.name AS company, employees, aum, penetration
ORDER BY employees DESC, company_id
LIMIT $limit
