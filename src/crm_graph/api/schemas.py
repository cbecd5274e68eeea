"""Request and response models of the API (pydantic v2), with OpenAPI examples."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Account",
    "AtRiskItem",
    "AtRiskPage",
    "CampaignGroup",
    "CampaignIn",
    "CampaignPage",
    "CampaignPlanOut",
    "CampaignResultsOut",
    "CampaignSummary",
    "CampaignTarget",
    "ChurnFlow",
    "ChurnFlows",
    "ClusterDetail",
    "ClusterPage",
    "ClusterSummary",
    "Customer360",
    "ErrorBody",
    "ErrorResponse",
    "Health",
    "NetworkEdge",
    "NetworkNode",
    "NetworkResponse",
    "Product",
    "ProductList",
    "QueryInfo",
    "QueryRequest",
    "QueryResult",
    "ReachEstimate",
    "Ready",
    "Recommendation",
    "RecommendationPage",
    "WhatIfFollower",
    "WhatIfRequest",
    "WhatIfResult",
]


class ErrorBody(BaseModel):
    """What went wrong."""

    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["no customer 'C000000000000'"])
    field: str | None = Field(default=None, examples=["limit"])


class ErrorResponse(BaseModel):
    """Every error answer: ``{"error": {...}}``."""

    error: ErrorBody


class Health(BaseModel):
    """The process is up."""

    status: str = Field(examples=["ok"])


class Ready(BaseModel):
    """Whether the API can serve: Neo4j reachable, schema present, analytics run."""

    status: str = Field(examples=["ready"])
    neo4j: bool
    schema_ok: bool = Field(alias="schema", serialization_alias="schema")
    customers: int
    analytics: dict[str, str | None] = Field(
        examples=[{"segments_at": "2026-11-28T12:00:00+00:00", "clusters_at": None}]
    )

    model_config = ConfigDict(populate_by_name=True)


class CoHolder(BaseModel):
    """Another holder of an account (joint owner, authorised user, ...)."""

    customer_id: str
    role: str | None = None


class Account(BaseModel):
    """An account, card or agency position the customer holds."""

    account_id: str
    product_id: str | None = None
    product: str | None = None
    category: str | None = None
    role: str | None = None
    status: str | None = None
    balance: float | None = None
    currency: str | None = None
    opened_on: str | None = None
    closed_on: str | None = None
    credit_limit: float | None = None
    fee_income: float | None = None
    co_holders: list[CoHolder] = Field(
        default_factory=list, description="The account's other holders and their roles."
    )


class Customer360(BaseModel):
    """One customer: what they have, can do and did, and how the analytics see them."""

    customer_id: str = Field(examples=["C55092116652E"])
    name: str | None = Field(default=None, examples=["胡**"])
    kind: str | None = Field(default=None, examples=["person"])
    status: str | None = Field(default=None, examples=["active"])
    since: str | None = None
    branch: dict[str, Any] | None = None
    relationship_manager: dict[str, Any] | None = None
    has: dict[str, Any] = Field(
        examples=[{"aum": 1250000.0, "products": ["DEP_CURRENT", "WEALTH_MGMT"], "accounts": []}]
    )
    can_do: dict[str, Any] = Field(
        examples=[{"channels": [{"channel_id": "mobile_banking"}], "marketing_consent": True}]
    )
    did: dict[str, Any] = Field(examples=[{"contacts": [], "transfers": {"partners_out": 2}}])
    scores: dict[str, Any] = Field(
        examples=[
            {
                "risk_grade": 2,
                "tier": "wealth",
                "community": 12,
                "churn_risk": 0.82,
                "churn_drivers": [],
            }
        ]
    )
    sources: list[dict[str, Any]] = Field(
        examples=[[{"system": "core_banking", "record_id": "CB203263240", "rule": "id_number"}]]
    )


class Recommendation(BaseModel):
    """A product the customer does not hold, with why."""

    product_id: str
    product: str | None = None
    category: str | None = None
    score: float | None = None
    rank: int | None = None
    reasons: list[str] = Field(default_factory=list)


class RecommendationPage(BaseModel):
    """A customer's recommendations: stored by the last cross-sell run, or scored now."""

    customer_id: str
    items: list[Recommendation]
    next_cursor: str | None = None
    computed_at: str | None = Field(
        None, description="When the batch run that stored these (or the model) was computed."
    )
    on_demand: bool = Field(
        False, description="Scored now from the customer's current data and ties."
    )
    as_of: str | None = Field(None, description="On demand: the date holdings count up to.")


class NetworkNode(BaseModel):
    """A customer in an ego network."""

    customer_id: str
    name: str | None = None
    kind: str | None = None
    tier: str | None = None
    status: str | None = None
    community: int | None = None
    influence: float | None = None
    churn_risk: float | None = None
    depth: int = Field(description="Steps from the centre (0 for the customer asked for).")


class NetworkEdge(BaseModel):
    """A tie between two customers."""

    source: str
    target: str
    type: str = Field(examples=["FAMILY"])
    amount: float | None = None


class NetworkResponse(BaseModel):
    """A customer's ego network, ready for a graph view."""

    customer_id: str
    depth: int
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    truncated: bool = Field(description="True when the node limit cut the network.")


class ClusterSummary(BaseModel):
    """An influence cluster in a list."""

    community: int
    size: int
    label: str | None = None
    aum: float | None = None
    fee_income: float | None = None
    churn_rate: float | None = None
    computed_at: str | None = None


class ClusterPage(BaseModel):
    """A page of clusters, largest first."""

    items: list[ClusterSummary]
    next_cursor: str | None = None


class ClusterDetail(BaseModel):
    """One cluster's profile."""

    community: int
    size: int
    label: str
    tiers: dict[str, int]
    aum: float
    fee_income: float
    churn_rate: float
    penetration: dict[str, float]
    influencers: list[dict[str, Any]]
    ties: dict[str, int]
    computed_at: str | None = None


class AtRiskItem(BaseModel):
    """An active customer to retain, with why and who acts."""

    customer_id: str
    name: str | None = None
    tier: str | None = None
    value_score: float | None = None
    aum: float | None = None
    churn_risk: float | None = None
    churn_exposure: float | None = None
    influence: float | None = None
    retention_priority: float | None = None
    high_value_at_risk: bool | None = None
    drivers: list[str] = Field(default_factory=list)
    rm_id: str | None = None
    rm_name: str | None = None


class AtRiskPage(BaseModel):
    """A page of the retention list (highest priority first)."""

    items: list[AtRiskItem]
    next_cursor: str | None = None


class WhatIfRequest(BaseModel):
    """Ask who follows if this customer leaves."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_:\-]+$", examples=["C55092116652E"]
    )
    runs: int = Field(default=1000, ge=10, le=5000)
    seed: int = Field(default=42, ge=0, le=2**31 - 1)


class WhatIfFollower(BaseModel):
    """A customer who may follow."""

    customer_id: str
    name: str | None = None
    probability: float
    aum: float


class WhatIfResult(BaseModel):
    """The cascade estimate."""

    customer_id: str
    expected_followers: float
    interval_90: list[float]
    aum_at_risk: float
    followers: list[WhatIfFollower]
    neighbourhood: int
    probabilities: dict[str, float]
    runs: int
    seed: int


class QueryInfo(BaseModel):
    """A library query's documentation."""

    name: str
    title: str
    question: str
    params: list[dict[str, Any]]
    columns: list[str]
    pii: list[str] = Field(description="Columns null for roles without personal-data access.")
    example: str


class QueryRequest(BaseModel):
    """Parameter values for a library query (checked against its declaration)."""

    model_config = ConfigDict(extra="forbid")

    params: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, max_length=20, examples=[{"min_members": 3, "limit": 10}]
    )


class QueryResult(BaseModel):
    """The rows of a library query."""

    name: str
    columns: list[str]
    items: list[dict[str, Any]]
    truncated: bool = Field(description="True when more rows existed than the API returns.")


class Product(BaseModel):
    """A product of the catalogue."""

    product_id: str = Field(examples=["CARD_CREDIT"])
    name: str | None = Field(default=None, examples=["信用卡 Credit card"])
    category: str | None = Field(default=None, examples=["card"])
    eligible: str | None = Field(default=None, examples=["person"])
    recommended: int = Field(description="Customers with the product among their recommendations.")


class ProductList(BaseModel):
    """The product catalogue."""

    items: list[Product]


#: A tier's name as ``CRM_TIERS`` allows it (the bank's own vocabulary).
TierName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class ChannelOut(BaseModel):
    """One of the bank's channels."""

    channel_id: str
    enrolled: int = Field(description="Active customers enrolled in it.")


class ChannelList(BaseModel):
    """The bank's channels, most used first."""

    items: list[ChannelOut]


class TiersOut(BaseModel):
    """The service tiers of the last segments run."""

    tiers: list[str] = Field(description="Highest first; the base tier last.")
    base: str = Field(description="The tier of everyone not in a named tier.")
    computed_at: str


class CampaignIn(BaseModel):
    """A campaign to plan (see docs/campaigns.md)."""

    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$", examples=["CARD_CREDIT"])
    budget: int = Field(ge=1, le=10_000, description="Customers to contact.", examples=[500])
    name: str | None = Field(default=None, max_length=120)
    tiers: list[TierName] | None = Field(
        default=None,
        max_length=16,
        description="Only these tiers (`GET /v1/tiers` lists the bank's).",
        examples=[["wealth", "affluent"]],
    )
    branch_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    community: int | None = Field(default=None, ge=0, le=2**53)
    channel: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_\-]{1,64}$",
        description="Only customers enrolled in this channel, all contacted through it "
        "(`GET /v1/channels` lists the bank's).",
        examples=["mobile_banking"],
    )
    exclude_contacted_days: int = Field(default=30, ge=0, le=3650)
    rm_capacity_per_week: int = Field(default=20, ge=0, le=1000)
    weeks: int = Field(default=4, ge=1, le=52)
    seeds: int | None = Field(default=None, ge=0, le=200)
    control_share: float = Field(default=0.1, ge=0.0, le=0.5)
    starts_on: date | None = None
    dry_run: bool = Field(default=False, description="Plan only; do not record the campaign.")


class CampaignTarget(BaseModel):
    """One customer of a plan."""

    customer_id: str
    name: str | None
    kind: str | None = Field(default=None, examples=["person"])
    group: Literal["seed", "target", "control"]
    rank: int
    score: float | None
    tier: str | None = None
    channel: str | None
    rm_id: str | None
    rm_name: str | None = None
    reasons: list[str] = Field(default_factory=list)


class ReachEstimate(BaseModel):
    """Simulated word-of-mouth reach of a seed set."""

    mean: float
    low: float = Field(description="5th percentile of the simulations.")
    high: float = Field(description="95th percentile of the simulations.")


class CampaignPlanOut(BaseModel):
    """A campaign plan: contacts (seeds and targets), control group, expected yield."""

    campaign_id: str = Field(examples=["CMP-20260105-1a2b3c4d"])
    name: str
    product_id: str
    product: str
    budget: int
    starts_on: str
    ends_on: str
    planned_at: str
    recorded: bool
    filters: dict[str, Any]
    audience: int = Field(description="Customers matching the filters.")
    with_score: int = Field(description="Of those, with the product among their recommendations.")
    contacts: list[CampaignTarget]
    control: list[CampaignTarget]
    expected_conversions: float
    conversions_interval: tuple[float, float] = Field(description="90% interval.")
    expected_reach: float
    reach_interval: tuple[float, float] = Field(description="5th to 95th percentile.")
    seed_comparison: dict[str, ReachEstimate] = Field(
        description="Reach of the greedy seeds next to top-degree and top-PageRank seeds."
    )
    channels: dict[str, int]
    notes: list[str]
    seconds: float = Field(description="Time taken to plan, reads of the graph included.")


class CampaignSummary(BaseModel):
    """A recorded campaign."""

    campaign_id: str
    name: str | None
    product_id: str | None
    product: str | None
    starts_on: str | None
    ends_on: str | None
    planned_at: str | None
    planned_by: str | None
    budget: int | None
    expected_conversions: float | None
    targeted: int


class CampaignPage(BaseModel):
    """A page of campaigns, newest first."""

    items: list[CampaignSummary]
    next_cursor: str | None = None


class CampaignGroup(BaseModel):
    """Outcomes of one group of a campaign."""

    customers: int
    opened: int = Field(description="Opened the promoted product on or after the start.")
    conversion_rate: float | None
    outcomes_loaded: int
    response_rate: float | None
    reported_conversion_rate: float | None


class CampaignResultsOut(BaseModel):
    """A recorded campaign with its results per group and the uplift over control."""

    campaign: CampaignSummary
    groups: dict[str, CampaignGroup]
    uplift: float | None
    uplift_interval: tuple[float, float] | None
    targets: list[CampaignTarget] = Field(description="The first 200 of every group.")


class ChurnFlow(BaseModel):
    """Churned customers who went to one competitor."""

    competitor_id: str
    competitor: str | None = None
    customers: int
    amount_moved: float


class ChurnFlows(BaseModel):
    """Where churned customers went, most money first."""

    items: list[ChurnFlow]


class ConflictRecord(BaseModel):
    """A source record of a conflict and the customer it resolves to now."""

    record: str = Field(description="system:record_id")
    customer_id: str | None = None


class ResolutionConflict(BaseModel):
    """A merge the resolver refused, for a person to decide."""

    conflict_id: str
    rule: str
    reason: str
    status: Literal["open", "accepted", "rejected"]
    at: str | None = Field(default=None, description="When a load first recorded it.")
    decided_by: str | None = None
    decided_at: str | None = None
    decision_reason: str | None = None
    records: list[ConflictRecord]


class ConflictPage(BaseModel):
    """Conflicts of the review queue, newest first."""

    items: list[ResolutionConflict]
