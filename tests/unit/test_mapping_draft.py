"""The mapping draft profiles files (types, keys, joins) and writes YAML that loads."""

from __future__ import annotations

from pathlib import Path

from tests.linked_bank import write_extract

from crm_graph.ingest.draft import draft_mapping, profile_folder
from crm_graph.ingest.spec import load_spec


def test_profiles_find_types_keys_and_delimiters(tmp_path: Path) -> None:
    write_extract(tmp_path / "x")
    profiles = {p.name: p for p in profile_folder(tmp_path / "x")}
    assert set(profiles) == {"account", "card", "client", "disp", "district", "loan", "order"}
    loan = profiles["loan"]
    assert loan.delimiter == ";"
    assert loan.keys == ["loan_id", "account_id"]  # one loan per account
    assert loan.column("amount").type == "integer"
    assert loan.column("status").values == ["A", "B", "C", "D"]
    assert profiles["client"].keys == ["client_id", "birth_number"]


def test_the_draft_names_candidate_joins_and_the_customer_file(tmp_path: Path) -> None:
    write_extract(tmp_path / "x")
    text = draft_mapping(tmp_path / "x", system="berka")
    assert "# candidate join: client_id -> client.client_id (100% of its values found)" in text
    assert "# candidate join: account_id -> account.account_id" in text
    (tmp_path / "d.yaml").write_text(text, encoding="utf-8")
    spec = load_spec(tmp_path / "d.yaml")
    assert spec.system == "berka"
    (customers,) = [f for f in spec.files if f.identity]
    assert customers.name == "client"
    assert customers.key == ("client_id",)


def test_an_exit_label_becomes_a_churn_target_as_of_the_file_date(tmp_path: Path) -> None:
    folder = tmp_path / "snap"
    folder.mkdir()
    rows = ["cust_no,Name,Balance,Churned"]
    rows += [f"{i},N{i},{i * 10.5},{'yes' if i % 4 == 0 else 'no'}" for i in range(1, 41)]
    (folder / "snapshot.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    text = draft_mapping(folder)
    (tmp_path / "d.yaml").write_text(text, encoding="utf-8")
    spec = load_spec(tmp_path / "d.yaml")
    (target,) = spec.files[0].targets
    assert target.into == "churn"
    assert target.where == "\"Churned\" = 'yes'"
    assert spec.as_of is not None
    ident = spec.files[0].identity
    assert ident is not None
    assert ident.name == "Name"
    assert ident.golden == {"balance": "Balance"}
