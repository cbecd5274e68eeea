// Every node label's properties as the graph holds them (docs/design.md's graph model).
// Parameters: none. Columns: labels (list), property (or null), types (list), mandatory.
CALL db.schema.nodeTypeProperties() YIELD nodeLabels, propertyName, propertyTypes, mandatory
RETURN nodeLabels AS labels, propertyName AS property, propertyTypes AS types, mandatory
