"""The graph elements a mapping can load into, each backed by one Cypher file.

A target declares its fields: the key, the required ones, the optional ones, and
which fields are *record references* (a source record id that the loader turns
into the golden ``customer_id``). Everything else a mapping maps becomes a property.
The graph model is fixed (docs/architecture.md), so the Cypher is too; mappings
only decide which columns feed which field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PRODUCT_BOUNDS", "TARGETS", "Target", "target"]


@dataclass(frozen=True)
class Target:
    """One kind of graph element a file's rows can become."""

    name: str
    cypher: str
    stage: int  # load order: lower first
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()  # fields holding record ids, resolved to customer ids
    lookups: dict[str, str] = field(default_factory=dict)  # field -> node key it must exist as

    @property
    def fields(self) -> tuple[str, ...]:
        """All fields a mapping may use."""
        return self.required + self.optional


#: a product's own eligibility bounds in the catalogue (cross-sell reads them: whole
#: years of age for persons, the highest credit risk grade)
PRODUCT_BOUNDS = ("min_age", "max_age", "max_risk_grade")

_TIE_PROPS = ("kind", "count", "amount", "first_on", "last_on", "on", "relation", "purpose")

TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target(
            "products",
            "load/upsert_products",
            0,
            ("product_id",),
            ("name", "category", "family", "stackable", "eligible", *PRODUCT_BOUNDS),
        ),
        Target(
            "branches",
            "load/upsert_branches",
            0,
            ("branch_id",),
            ("name", "city", "parent_branch_id"),
        ),
        Target("competitors", "load/upsert_competitors", 0, ("competitor_id",), ("name",)),
        Target(
            "employees",
            "load/upsert_employees",
            1,
            ("employee_id",),
            ("name", "role", "team", "branch_id"),
        ),
        Target(
            "accounts",
            "load/upsert_accounts",
            3,
            ("account_id", "customer", "product_id"),
            (
                "opened_on",
                "closed_on",
                "status",
                "balance",
                "currency",
                "credit_limit",
                "amount",
                "fee_income",
                "role",
            ),
            refs=("customer",),
            lookups={"product_id": "Product"},
        ),
        Target(
            "enrolments",
            "load/merge_enrolments",
            3,
            ("customer", "channel_id"),
            ("since", "daily_limit"),
            refs=("customer",),
        ),
        Target(
            "contacts",
            "load/upsert_contacts",
            3,
            ("contact_id", "customer", "kind"),
            (
                "at",
                "medium",
                "duration_s",
                "attempts",
                "previous_outcome",
                "month",
                "day",
                "topic",
                "sentiment",
                "outcome",
                "resolved",
                "channel_id",
                "product_id",
                "employee_id",
            ),
            refs=("customer",),
        ),
        Target("family", "load/merge_family", 3, ("from", "to"), _TIE_PROPS, refs=("from", "to")),
        Target(
            "transfers", "load/merge_transfers", 3, ("from", "to"), _TIE_PROPS, refs=("from", "to")
        ),
        Target(
            "guarantees",
            "load/merge_guarantees",
            3,
            ("from", "to"),
            _TIE_PROPS,
            refs=("from", "to"),
        ),
        Target(
            "referred", "load/merge_referred", 3, ("from", "to"), _TIE_PROPS, refs=("from", "to")
        ),
        Target("employs", "load/merge_employs", 3, ("from", "to"), _TIE_PROPS, refs=("from", "to")),
        Target(
            "churn",
            "load/merge_churn",
            4,
            ("customer", "churned_on"),
            ("reason", "competitor_id", "amount"),
            refs=("customer",),
        ),
        Target(
            "balances",
            "load/set_balances",
            3,
            ("customer", "month", "balance"),
            (),
            refs=("customer",),
        ),
        Target(
            "applications",
            "load/upsert_applications",
            3,
            ("application_id", "customer"),
            (
                "product_id",
                "amount",
                "received_on",
                "assessed_on",
                "approved_on",
                "rejected_on",
                "disbursed_on",
                "stage",
                "department_handoffs",
                "employee_id",
            ),
            refs=("customer",),
        ),
    )
}


def target(name: str) -> Target:
    """Return the target called ``name``.

    Raises
    ------
    KeyError
        With the known names, if there is no such target.

    Examples
    --------
    >>> target("accounts").refs
    ('customer',)
    """
    try:
        return TARGETS[name]
    except KeyError:
        raise KeyError(f"unknown target {name!r}; known: {', '.join(sorted(TARGETS))}") from None
