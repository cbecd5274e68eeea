// The uniqueness constraints present in the database.
// Parameters: none. Columns: name, labels, properties.
SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties
RETURN name, labelsOrTypes AS labels, properties
ORDER BY name
