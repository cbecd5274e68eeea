"""Packed reads (Database.read_lines) keep any text a mapping gives, on a real Neo4j."""

from __future__ import annotations

from crm_graph.db import Database


def test_packed_reads_keep_commas_quotes_and_line_breaks(db: Database) -> None:
    """A product id and a golden property with a comma, a quote and a line break."""
    from crm_graph.analytics.base import CUSTOMER_COLUMNS, HOLDING_COLUMNS

    odd = 'CARD, "GOLD"\nplus'
    db.run_statement(
        "CREATE (c:Customer {customer_id: 'C1', kind: 'person', since: $odd})"
        "-[:OWNS {role: 'owner'}]->(:Account {account_id: 'x:1', opened_on: '2024-01-02'})"
        "-[:OF_PRODUCT]->(:Product {product_id: $odd})",
        {"odd": odd},
        write=True,
    )
    holdings = db.read_lines("analytics/read_holdings", HOLDING_COLUMNS)
    assert holdings["product_id"].tolist() == [odd]
    assert holdings["opened_on"].tolist() == ["2024-01-02"]
    customers = db.read_lines("analytics/read_churn_customers", CUSTOMER_COLUMNS)
    assert customers["since"].tolist() == [odd]
