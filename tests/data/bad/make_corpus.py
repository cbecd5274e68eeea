"""Write the bad-input corpus: one folder per case, each with a cardholders.csv.

Run from the repository root: ``python tests/data/bad/make_corpus.py``. The files are
committed; this script says how each was made. Expected outcomes are in
tests/integration/test_bad_input.py.
"""

from __future__ import annotations

import random
from pathlib import Path

HERE = Path(__file__).parent
HEADER = "holder_no,name,id_number,birth_date,mobile,note\n"


def rid(body: str) -> str:
    """A resident id with its ISO 7064 MOD 11-2 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


GOOD = [
    f"BC001,王小明,{rid('44200019900101001')},1990-01-01,13812345678,ok\n",
    f"BC002,李四,{rid('44200019850505002')},1985-05-05,+86 139 1234 5678,ok\n",
    f"BC003,张三,{rid('44200019770707003')},1977-07-07,021-6123 4567,ok\n",
]


def write(case: str, data: bytes) -> None:
    folder = HERE / case
    folder.mkdir(exist_ok=True)
    (folder / "cardholders.csv").write_bytes(data)


def main() -> None:
    utf8 = (HEADER + "".join(GOOD)).encode("utf-8")
    write("utf8_clean", utf8)
    write("gbk_declared_utf8", (HEADER + "".join(GOOD)).encode("gbk"))
    write("bom", b"\xef\xbb\xbf" + utf8)
    write(
        "ragged_rows",
        (HEADER + GOOD[0] + "BC009,多一列,,1990-01-01,13812345678,x,extra\n" + GOOD[1]
         + "BC010,少一列,,1990-01-01\n" + GOOD[2]).encode("utf-8"),
    )  # fmt: skip
    write(
        "quotes_and_newlines",
        (HEADER + GOOD[0]
         + 'BC011,"赵, 六",,1990-01-01,13812345611,"a ""quoted"" note\nover two lines"\n'
         + "BC012,孙七,,1990-01-01,not-a-phone,bad phone after the multi-line record\n"
         + GOOD[1]).encode("utf-8"),
    )  # fmt: skip
    write(
        "huge_field",
        (HEADER + GOOD[0] + "BC013,巨长," + ",1990-01-01,13812345678," + "x" * 200_000 + "\n"
         + GOOD[1]).encode("utf-8"),
    )  # fmt: skip
    write(
        "formula_injection",
        (HEADER + GOOD[0]
         + "BC014,=HYPERLINK(\"http://evil\"),,1990-01-01,13812345614,ok\n"
         + "BC015,+SUM(1+1),,1990-01-01,@cmd,bad phone\n"
         + "BC016,-2+3,,1990-01-01,=1+1,bad phone\n").encode("utf-8"),
    )  # fmt: skip
    write(
        "dates_five_formats",
        (HEADER
         + f"BC021,周一,{rid('44200019900101021')},1990-01-01,13812345621,iso\n"
         + "BC022,周二,,1990/02/02,13812345622,slashes\n"
         + "BC023,周三,,03.03.1990,13812345623,dotted\n"
         + "BC024,周四,,19900404,13812345624,compact\n"
         + "BC025,周五,,1990年5月5日,13812345625,chinese\n"
         + "BC026,周六,,5/6/90,13812345626,ambiguous: rejected\n").encode("utf-8"),
    )  # fmt: skip
    write(
        "duplicated_header",
        (
            b"holder_no,name,name,id_number,birth_date,mobile,note\n"
            b"BC031,a,b,,1990-01-01,13812345678,x\n"
        ),
    )
    write("empty_file", b"")
    write("header_only", HEADER.encode("utf-8"))
    rng = random.Random(7)
    write("binary_garbage", bytes(rng.randrange(256) for _ in range(4096)))
    write("nul_byte", (HEADER + GOOD[0] + "BC041,空\x00字符,,1990-01-01,13812345678,x\n").encode())
    write("unterminated_quote", (HEADER + GOOD[0] + 'BC051,"never closed,,1990-01-01,1,x\n'
                                 + GOOD[1]).encode("utf-8"))  # fmt: skip
    write("crlf_and_blank_lines", (HEADER + "\n" + "".join(GOOD) + "\n\n").replace("\n", "\r\n")
          .encode("utf-8"))  # fmt: skip


if __name__ == "__main__":
    main()
