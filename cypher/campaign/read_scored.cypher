// Whether the cross-sell engine has stored any recommendation yet.
// Parameters: none. Columns: scored (boolean).
RETURN EXISTS { MATCH ()-[:RECOMMENDED]->() } AS scored
