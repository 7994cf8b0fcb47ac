"""resource.Quantity as the API server reads and prints it (`100m`, `2`, `64Mi`, `1k`).

Upstream: staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go. A quantity keeps the
format it was written in (binary `Ki`/`Mi`/... or decimal), a sum keeps the first operand's
format unless that one is zero (Quantity.Add), and String() prints the canonical form: the
largest suffix that leaves a whole number, with binary quantities below 1024 or not whole
printed as decimal (CanonicalizeBytes). Exponent forms (`1e3`) are read and printed as decimal
SI here.

Reading is ParseQuantity's: the scanner `parseQuantityString` (sign, digits, an optional
fraction, then the suffix letters and an optional signed exponent), the suffixer's
`interpret` (suffix.go: `n u m "" k M G T P E`, `Ki`..`Ei`, or `e`/`E` and an integer), and
its three errors, word for word: ErrFormatWrong, ErrSuffix and ErrNumeric. So `-`, `.` and
`1.G` read (as 0, 0 and 1G), `1KB` does not match, `1kk` has no suffix. Values round up (away
from zero) to nano units, as ParseQuantity rounds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_UP, Decimal, localcontext
from typing import Any

BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}  # powers of 1024
DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_SUFFIX_BY_EXPONENT = {exponent: suffix for suffix, exponent in DECIMAL.items()}
_SUFFIX_LETTERS = "eEinumkKMGTP"
_DIGITS = "0123456789"
# quantity.go: the three errors ParseQuantity returns (Quantity.UnmarshalJSON returns them bare).
FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
NUMERIC = "unable to parse numeric part of quantity"
SUFFIX = "unable to parse quantity's suffix"
MAX_INT64_FACTORS = 18  # quantity.go maxInt64Factors
NANO = -9


class QuantityError(ValueError):
    """ParseQuantity's error; str() is the API server's text."""


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    binary: bool = False

    def __add__(self, other: Quantity) -> Quantity:
        """Quantity.Add: the sum keeps this format, or takes the other's when this is zero."""
        return Quantity(self.value + other.value, self.binary if self.value else other.binary)

    def __str__(self) -> str:
        return format_quantity(self)


def _scan(text: str) -> tuple[bool, str, str, str, str]:
    """parseQuantityString: (positive, value, numerator, denominator, suffix)."""
    positive, pos, end = True, 0, len(text)
    if text[:1] in ("-", "+"):
        positive, pos = text[0] != "-", 1
    while pos < end and text[pos] == "0":  # leading zeros
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos >= end:
        return positive, text, text[start:], "", ""
    num = text[start:pos] or "0"
    denom = ""
    if text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
        if pos >= end:
            return positive, text, num, denom, ""
    value, suffix_start = text[:pos], pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:  # a character that is neither a suffix letter nor an exponent digit
        raise QuantityError(FORMAT_WRONG)
    return positive, value, num, denom, text[suffix_start:]


def _interpret(suffix: str) -> tuple[int, int] | None:
    """suffix.go interpret: (base, exponent), or None when the suffix means nothing."""
    if suffix in DECIMAL:
        return 10, DECIMAL[suffix]
    if suffix in BINARY:
        return 2, 10 * BINARY[suffix]
    if len(suffix) > 1 and suffix[0] in "eE":
        exponent = suffix[1:]
        digits = exponent[1:] if exponent[:1] in "+-" else exponent
        if digits and all(c in _DIGITS for c in digits):  # strconv.ParseInt(s, 10, 64)
            return 10, int(exponent)
    return None


def parse_quantity(text: str | int | float) -> Quantity:
    """ParseQuantity; raises QuantityError (a ValueError) with the API server's words."""
    text = str(text).strip()  # UnmarshalJSON trims spaces before parsing
    if not text:
        raise QuantityError(FORMAT_WRONG)
    if text == "0":
        return Quantity(Decimal(0))
    positive, value, num, denom, suffix = _scan(text)
    interpreted = _interpret(suffix)
    if interpreted is None:
        raise QuantityError(SUFFIX)
    base, exponent = interpreted
    binary = base == 2
    fast = (  # the int64 fast path never fails; the inf.Dec path needs a digit in `value`
        (exponent >= 0 and not denom and 15 - len(num) - int(exponent * 3 / 10) - 1 >= 0)
        if binary
        else MAX_INT64_FACTORS - len(num) - len(denom) >= 0 and exponent - len(denom) >= NANO
    )
    if not fast and not any(c in _DIGITS for c in value):
        raise QuantityError(NUMERIC)
    with localcontext(prec=400):  # exact: inf.Dec and big.Int do not round
        number = Decimal(f"{num}.{denom or 0}")
        number = number * 2**exponent if binary else number.scaleb(exponent)
        if number.as_tuple().exponent < NANO:
            number = number.quantize(Decimal(1).scaleb(NANO), rounding=ROUND_UP)
    if binary and 0 < number < 1:
        binary = False  # "This avoids rounding and hopefully confusion, too."
    return Quantity(number if positive else -number, binary)


def format_quantity(quantity: Quantity) -> str:
    value = quantity.value
    if value == 0:
        return "0"
    if quantity.binary and value == value.to_integral_value() and abs(value) >= 1024:
        power = 0
        while power < 6 and value % 1024 ** (power + 1) == 0:
            power += 1
        suffix = next(s for s, p in BINARY.items() if p == power) if power else ""
        return f"{int(value / 1024**power)}{suffix}"
    # Decimal SI: round up to nano precision, then the largest exponent leaving a whole number.
    nanos = int(value.scaleb(9).to_integral_value(rounding=ROUND_CEILING))
    exponent = -9
    while exponent < 18 and nanos % 10 ** (exponent + 12) == 0:
        exponent += 3
    return f"{nanos // 10 ** (exponent + 9)}{_SUFFIX_BY_EXPONENT[exponent]}"


def milli_value(quantity: Quantity) -> int:
    """Quantity.MilliValue: rounded up to a whole milli-unit."""
    return int(quantity.value.scaleb(3).to_integral_value(rounding=ROUND_CEILING))


def unit_value(quantity: Quantity) -> int:
    """Quantity.Value: rounded up to a whole unit (away from zero for a positive value)."""
    return int(quantity.value.to_integral_value(rounding=ROUND_CEILING))


def resource_list(values: Any) -> dict[str, Quantity]:
    """A ResourceList as quantities. A value the decoder would have refused counts as nothing:
    the API server answers 400 before anything reads it (decoding.py)."""
    parsed: dict[str, Quantity] = {}
    for name, text in (values if isinstance(values, dict) else {}).items():
        try:
            parsed[name] = parse_quantity(text)
        except ValueError:  # QuantityError, the only one parse_quantity raises
            continue
    return parsed


def resource_values(values: Any) -> dict[str, Decimal]:
    """resource_list, as numbers."""
    return {name: quantity.value for name, quantity in resource_list(values).items()}
