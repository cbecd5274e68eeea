// crm-graph schema: one uniqueness constraint per node key, plus lookup indexes.
// Applied idempotently by `crm-graph db init` (and by load and demo).
// This is the one Cypher file with several statements, separated by semicolons.
CREATE CONSTRAINT customer_id IF NOT EXISTS FOR (n:Customer) REQUIRE n.customer_id IS UNIQUE;
CREATE CONSTRAINT source_record_key IF NOT EXISTS FOR (n:SourceRecord) REQUIRE (n.system, n.record_id) IS UNIQUE;
CREATE CONSTRAINT account_id IF NOT EXISTS FOR (n:Account) REQUIRE n.account_id IS UNIQUE;
CREATE CONSTRAINT product_id IF NOT EXISTS FOR (n:Product) REQUIRE n.product_id IS UNIQUE;
CREATE CONSTRAINT channel_id IF NOT EXISTS FOR (n:Channel) REQUIRE n.channel_id IS UNIQUE;
CREATE CONSTRAINT contact_id IF NOT EXISTS FOR (n:Contact) REQUIRE n.contact_id IS UNIQUE;
CREATE CONSTRAINT employee_id IF NOT EXISTS FOR (n:Employee) REQUIRE n.employee_id IS UNIQUE;
CREATE CONSTRAINT branch_id IF NOT EXISTS FOR (n:Branch) REQUIRE n.branch_id IS UNIQUE;
CREATE CONSTRAINT competitor_id IF NOT EXISTS FOR (n:Competitor) REQUIRE n.competitor_id IS UNIQUE;
CREATE CONSTRAINT campaign_id IF NOT EXISTS FOR (n:Campaign) REQUIRE n.campaign_id IS UNIQUE;
CREATE CONSTRAINT application_id IF NOT EXISTS FOR (n:Application) REQUIRE n.application_id IS UNIQUE;
CREATE CONSTRAINT resolution_event_id IF NOT EXISTS FOR (n:ResolutionEvent) REQUIRE n.event_id IS UNIQUE;
CREATE CONSTRAINT resolution_conflict_id IF NOT EXISTS FOR (n:ResolutionConflict) REQUIRE n.conflict_id IS UNIQUE;
CREATE CONSTRAINT cluster_community IF NOT EXISTS FOR (n:Cluster) REQUIRE n.community IS UNIQUE;
CREATE CONSTRAINT scoring_model_name IF NOT EXISTS FOR (n:ScoringModel) REQUIRE n.name IS UNIQUE;
CREATE INDEX customer_status IF NOT EXISTS FOR (n:Customer) ON (n.status);
CREATE INDEX customer_tier IF NOT EXISTS FOR (n:Customer) ON (n.tier);
CREATE INDEX customer_community IF NOT EXISTS FOR (n:Customer) ON (n.community);
CREATE INDEX customer_branch IF NOT EXISTS FOR (n:Customer) ON (n.branch_id);
CREATE INDEX customer_retention IF NOT EXISTS FOR (n:Customer) ON (n.retention_priority);
CREATE INDEX product_category IF NOT EXISTS FOR (n:Product) ON (n.category);
CREATE INDEX contact_kind_at IF NOT EXISTS FOR (n:Contact) ON (n.kind, n.at);
CREATE INDEX application_stage IF NOT EXISTS FOR (n:Application) ON (n.stage);
CREATE INDEX cluster_size IF NOT EXISTS FOR (n:Cluster) ON (n.size);
