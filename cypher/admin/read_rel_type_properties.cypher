// Every relationship type's properties as the graph holds them (docs/design.md).
// Parameters: none. Columns: type (":`NAME`"), property (or null), types (list), mandatory.
CALL db.schema.relTypeProperties() YIELD relType, propertyName, propertyTypes, mandatory
RETURN relType AS type, propertyName AS property, propertyTypes AS types, mandatory
