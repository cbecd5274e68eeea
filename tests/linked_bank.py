"""A small multi-table extract laid out like the PKDD'99 Czech financial data set.

``write_extract(folder, seed)`` writes client, disp, account, card, loan, order and
district files (';'-separated, as the Berka files are), with planted defects: a card
issued to a link-table row that does not exist, and a loan of an unknown account.
The mappings for it are in ``tests/data/linked_bank``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DEFECTS = {"card": "C_BAD", "loan": "L_BAD"}


def write_extract(folder: Path, seed: int = 3, clients: int = 120) -> None:
    """Write the extract's files into ``folder``."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    districts = pd.DataFrame(
        {"district_id": ["1", "2", "3"], "name": ["Praha", "Brno", "Ostrava"],
         "region": ["Prague", "south Moravia", "north Moravia"]}
    )  # fmt: skip
    year = rng.integers(30, 80, clients)
    month = rng.integers(1, 13, clients)
    day = rng.integers(1, 28, clients)
    woman = rng.random(clients) < 0.5
    birth = [
        f"{y:02d}{m + (50 if w else 0):02d}{d:02d}"
        for y, m, d, w in zip(year, month, day, woman, strict=True)
    ]
    client = pd.DataFrame(
        {
            "client_id": [str(i) for i in range(1, clients + 1)],
            "birth_number": birth,
            "district_id": rng.choice(districts.district_id, clients),
        }
    )
    # each client owns one account; a third of the accounts have a second holder
    accounts = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(1, clients + 1)],
            "district_id": client.district_id,
            "frequency": rng.choice(["POPLATEK MESICNE", "POPLATEK TYDNE"], clients),
            "date": [f"9{rng.integers(3, 8)}0{rng.integers(1, 10)}1{rng.integers(0, 9)}"
                     for _ in range(clients)],
        }
    )  # fmt: skip
    owners = pd.DataFrame(
        {"client_id": client.client_id, "account_id": accounts.account_id, "type": "OWNER"}
    )
    second = rng.random(clients) < 0.34
    others = (np.arange(clients) + 1 + rng.integers(1, clients - 1, clients)) % clients
    dispo = pd.DataFrame(
        {
            "client_id": client.client_id.to_numpy()[others[second]],
            "account_id": accounts.account_id[second].to_numpy(),
            "type": "DISPONENT",
        }
    )
    disp = pd.concat([owners, dispo], ignore_index=True)
    disp.insert(0, "disp_id", [f"D{i}" for i in range(1, len(disp) + 1)])
    with_card = disp[rng.random(len(disp)) < 0.4]
    card = pd.DataFrame(
        {
            "card_id": [f"C{i}" for i in range(1, len(with_card) + 1)],
            "disp_id": with_card.disp_id.to_numpy(),
            "type": rng.choice(["junior", "classic", "gold"], len(with_card)),
            "issued": "981012 00:00:00",
        }
    )
    card.loc[len(card)] = [DEFECTS["card"], "D999999", "gold", "981012 00:00:00"]
    with_loan = accounts.sample(frac=0.3, random_state=seed)
    loan = pd.DataFrame(
        {
            "loan_id": [f"L{i}" for i in range(1, len(with_loan) + 1)],
            "account_id": with_loan.account_id.to_numpy(),
            "amount": rng.integers(5, 60, len(with_loan)) * 5000,
            "duration": rng.choice([12, 24, 36, 48, 60], len(with_loan)),
            "status": rng.choice(list("ABCD"), len(with_loan)),
        }
    )
    loan.loc[len(loan)] = [DEFECTS["loan"], "A999999", 300000, 12, "C"]
    with_order = accounts.sample(frac=0.5, random_state=seed + 1)
    order = pd.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(1, len(with_order) + 1)],
            "account_id": with_order.account_id.to_numpy(),
            "amount": rng.integers(100, 9000, len(with_order)).astype(float),
            "k_symbol": rng.choice(["SIPO", "UVER", "POJISTNE", ""], len(with_order)),
        }
    )
    for name, frame in {
        "district": districts, "client": client, "disp": disp, "account": accounts,
        "card": card, "loan": loan, "order": order,
    }.items():  # fmt: skip
        frame.to_csv(folder / f"{name}.csv", sep=";", index=False)
