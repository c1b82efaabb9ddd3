"""USCC checks (GB 32100-2015, with the GB 11714 organization-code check at position 17).

Expected values come from a reference implementation written here from the data dictionary
(/work/shared/extracts.md), never from `schemas.uscc` itself.
"""

from __future__ import annotations

import random

import polars as pl
import pytest

from schemas import uscc as U

# ---------------------------------------------------------------- reference implementation

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # digits and A-Z without I O S V Z
FORBIDDEN = "IOSVZ"


def ref_org_check(body8: str) -> str:
    """GB 11714: weights 3 7 9 10 5 8 4 2, letters A=10..Z=35, 11 - sum mod 11 (10 -> X, 11 -> 0)."""
    values = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in body8]
    r = 11 - sum(w * v for w, v in zip((3, 7, 9, 10, 5, 8, 4, 2), values, strict=True)) % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def ref_uscc_check(first17: str) -> str:
    """GB 32100: weights 3^(i-1) mod 31, value = 31 - sum mod 31 (31 -> 0), charset index."""
    total = sum(pow(3, i, 31) * CHARSET.index(c) for i, c in enumerate(first17))
    return CHARSET[(31 - total % 31) % 31]


def ref_complete(first16: str) -> str:
    first17 = first16 + ref_org_check(first16[8:16])
    return first17 + ref_uscc_check(first17)


def ref_problem(code: str | None) -> str | None:
    """The first rule broken, in the order length, charset, region, org check, check."""
    if code is None or len(code) != 18:
        return "USCC-LENGTH"
    if any(c not in CHARSET for c in code):
        return "USCC-CHARSET"
    if not all(c in "0123456789" for c in code[2:8]):
        return "USCC-REGION"
    if code[16] != ref_org_check(code[8:16]):
        return "USCC-ORG-CHECK"
    if code[17] != ref_uscc_check(code[:17]):
        return "USCC-CHECK"
    return None


def replace(code: str, i: int, c: str) -> str:
    return code[:i] + c + code[i + 1 :]


PUBLIC_EXAMPLES = [
    "91350100M000100Y43",
    "91110000100011743X",
    "91440300708461136T",
    "9111000071093123XX",
]


def random_first16(rng: random.Random) -> str:
    # Position 1: registration authority, 2: entity type, 3-8: division, 9-16: organization body.
    head = rng.choice("123456789ANY") + rng.choice("123459")
    region = "".join(rng.choice("0123456789") for _ in range(6))
    body = "".join(rng.choice(CHARSET) for _ in range(8))
    return head + region + body


# ---------------------------------------------------------------- the reference itself


def test_reference_implementation_agrees_with_published_check_characters() -> None:
    # Check characters as printed on real licences: if the reference were wrong, all else is moot.
    for code in PUBLIC_EXAMPLES:
        assert ref_complete(code[:16]) == code
        assert ref_problem(code) is None


# ---------------------------------------------------------------- scalar functions


@pytest.mark.parametrize("code", PUBLIC_EXAMPLES)
def test_public_examples_are_valid(code: str) -> None:
    assert U.uscc_problem(code) is None
    assert U.org_check_char(code[8:16]) == code[16]
    assert U.uscc_check_char(code[:17]) == code[17]
    assert U.complete_uscc(code[:16]) == code


def test_check_characters_match_reference_on_random_bodies() -> None:
    rng = random.Random(20180301)
    for _ in range(2000):
        first16 = random_first16(rng)
        expected = ref_complete(first16)
        assert U.org_check_char(first16[8:16]) == expected[16], first16
        assert U.uscc_check_char(expected[:17]) == expected[17], first16
        assert U.complete_uscc(first16) == expected
        assert U.uscc_problem(expected) is None


def test_org_check_covers_x_and_zero() -> None:
    # Remainders 10 and 11 are the special cases: X and 0.
    rng = random.Random(7)
    seen = set()
    for _ in range(3000):
        body = "".join(rng.choice(CHARSET) for _ in range(8))
        seen.add(U.org_check_char(body))
        assert U.org_check_char(body) == ref_org_check(body)
    assert {"X", "0"} <= seen


@pytest.mark.parametrize("code", PUBLIC_EXAMPLES)
def test_every_corruption_of_position_17_is_detected(code: str) -> None:
    for c in CHARSET + FORBIDDEN + "x":
        if c == code[16]:
            continue
        bad = replace(code, 16, c)
        expected = "USCC-ORG-CHECK" if c in CHARSET else "USCC-CHARSET"
        assert U.uscc_problem(bad) == expected, bad


@pytest.mark.parametrize("code", PUBLIC_EXAMPLES)
def test_every_corruption_of_position_18_is_detected(code: str) -> None:
    for c in CHARSET + FORBIDDEN + "y":
        if c == code[17]:
            continue
        bad = replace(code, 17, c)
        expected = "USCC-CHECK" if c in CHARSET else "USCC-CHARSET"
        assert U.uscc_problem(bad) == expected, bad


@pytest.mark.parametrize("code", PUBLIC_EXAMPLES)
def test_every_single_substitution_elsewhere_is_detected(code: str) -> None:
    # 31 is prime and no weight is 0 mod 31: any one-character change within the charset
    # changes the weighted sum, so the check character catches every one (if nothing before).
    for i in range(16):
        for c in CHARSET:
            if c == code[i]:
                continue
            bad = replace(code, i, c)
            problem = U.uscc_problem(bad)
            assert problem is not None, bad
            assert problem == ref_problem(bad), bad
            if 2 <= i < 8 and not c.isdigit():
                assert problem == "USCC-REGION", bad
            elif i < 8:
                assert problem == "USCC-CHECK", bad


@pytest.mark.parametrize("code", PUBLIC_EXAMPLES)
def test_every_adjacent_transposition_is_detected(code: str) -> None:
    for i in range(16):
        if code[i] == code[i + 1]:
            continue
        bad = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        assert U.uscc_problem(bad) is not None, bad
        assert U.uscc_problem(bad) == ref_problem(bad), bad


@pytest.mark.parametrize(
    "code",
    [
        "7093123X",  # a bare organization code
        "710931234",  # 9 characters
        "3501001000",  # 10 digits
        "350100400012345",  # a 15-digit registration number (pre-2015)
        "91350100M000100Y4",  # 17
        "91350100M000100Y431",  # 19
        "",
    ],
)
def test_wrong_length(code: str) -> None:
    assert U.uscc_problem(code) == "USCC-LENGTH"


def test_none_is_a_length_problem() -> None:
    assert U.uscc_problem(None) == "USCC-LENGTH"


@pytest.mark.parametrize("letter", list(FORBIDDEN))
@pytest.mark.parametrize("position", [0, 1, 9, 12, 15])
def test_forbidden_letters(letter: str, position: int) -> None:
    assert U.uscc_problem(replace("91350100M000100Y43", position, letter)) == "USCC-CHARSET"


@pytest.mark.parametrize(
    "code",
    [
        "91350100m000100y43",  # lower case (normalization upper-cases before validation)
        "91350100M000100Y4 ",  # a space
        "９1350100M000100Y43",  # full-width digit (normalization maps it before validation)
        "91350100M000100Y4-",
    ],
)
def test_other_characters_outside_the_charset(code: str) -> None:
    assert U.uscc_problem(code) == "USCC-CHARSET"


@pytest.mark.parametrize("first16", ["91A50100M000100Y", "9135010AM000100Y", "91XY0100M000100Y"])
def test_non_digit_region_with_correct_check_characters(first16: str) -> None:
    # Both check characters right, so only the region rule can catch it.
    code = ref_complete(first16)
    assert U.uscc_problem(code) == "USCC-REGION"


# ---------------------------------------------------------------- vectorized forms


def _corrupt(code: str, rng: random.Random) -> str:
    how = rng.randrange(7)
    i = rng.randrange(18)
    if how == 0:
        return replace(code, i, rng.choice(CHARSET.replace(code[i], "")))
    if how == 1:
        return replace(code, i, rng.choice(FORBIDDEN + "abz-_ ."))
    if how == 2:
        return code[: rng.randrange(18)]
    if how == 3:
        return code + rng.choice(CHARSET)
    if how == 4 and i < 17:
        return code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    if how == 5:
        return replace(code, 2 + rng.randrange(6), rng.choice("ABCDEFGH"))
    # region letter with correct check characters
    return ref_complete(replace(code, 2 + rng.randrange(6), rng.choice("ABCDEFGH"))[:16])


@pytest.fixture(scope="module")
def random_codes() -> list[str | None]:
    rng = random.Random(32100)
    codes: list[str | None] = [None, *PUBLIC_EXAMPLES]
    for _ in range(1500):
        code = ref_complete(random_first16(rng))
        codes.append(code)
        codes.append(_corrupt(code, rng))
    assert len({ref_problem(c) for c in codes}) == 6  # every outcome is represented
    return codes


def test_vectorized_rules_agree_with_scalar_function(random_codes: list[str | None]) -> None:
    code = pl.col("code")
    frame = pl.DataFrame({"code": random_codes}, schema={"code": pl.String}).with_columns(
        length=U.uscc_length_ok(code),
        charset=U.uscc_charset_ok(code),
        region=U.uscc_region_ok(code),
        org=U.uscc_org_check_ok(code),
        check=U.uscc_check_ok(code),
    )
    mismatches = []
    for row in frame.iter_rows(named=True):
        c = row["code"]
        if c is None:
            # Null in, null out: "not applicable", the required rule reports it.
            assert all(row[k] is None for k in ("length", "charset", "region", "org", "check"))
            continue
        # As the schemas chain them: each later rule applies once the charset is right.
        if not row["length"]:
            vector = "USCC-LENGTH"
        elif not row["charset"]:
            vector = "USCC-CHARSET"
        elif not row["region"]:
            vector = "USCC-REGION"
        elif not row["org"]:
            vector = "USCC-ORG-CHECK"
        elif not row["check"]:
            vector = "USCC-CHECK"
        else:
            vector = None
        if vector != U.uscc_problem(c) or vector != ref_problem(c):
            mismatches.append((c, vector, U.uscc_problem(c), ref_problem(c)))
    assert mismatches == []


def test_vectorized_checks_alone_match_reference(random_codes: list[str | None]) -> None:
    # Every code of the right length and charset, whatever its region: each check on its own.
    codes = [c for c in random_codes if c and len(c) == 18 and all(x in CHARSET for x in c)]
    code = pl.col("code")
    frame = pl.DataFrame({"code": codes}).with_columns(
        org=U.uscc_org_check_ok(code), check=U.uscc_check_ok(code)
    )
    for c, org, check in frame.iter_rows():
        assert org == (c[16] == ref_org_check(c[8:16])), c
        assert check == (c[17] == ref_uscc_check(c[:17])), c


def test_exactly_one_character_passes_each_check(random_codes: list[str | None]) -> None:
    # Every character of the charset at position 17, then at position 18: only the right one passes.
    valid = [c for c in random_codes if c and ref_problem(c) is None][:50]
    rows = [
        (replace(c, pos, x), pos, x == c[pos]) for c in valid for pos in (16, 17) for x in CHARSET
    ]
    code = pl.col("code")
    frame = pl.DataFrame({"code": [r[0] for r in rows]}).with_columns(
        org=U.uscc_org_check_ok(code), check=U.uscc_check_ok(code)
    )
    for (variant, pos, right), (org, check) in zip(
        rows, frame.select("org", "check").iter_rows(), strict=True
    ):
        if pos == 16:
            assert org == right, variant
        else:
            assert org is True and check == right, variant
